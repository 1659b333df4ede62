"""Runbook: intent-based WAN automation (intents -> model -> facts -> configs -> validation -> plan ->
deploy -> verify -> operate). The command line is :func:`runbook_wan.cli.main`."""

__version__ = "0.2.0"
