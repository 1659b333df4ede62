"""Monitoring generated from the intents: probe targets, Prometheus rules and config, Alertmanager config.

``runbook.py render`` writes the result into ``monitoring/`` (committed like ``configs/``, so a
pull request shows alert changes); ``validate`` checks it with ``promtool`` and ``amtool``;
``runbook.py monitor up`` runs it with real ports. Names come from :mod:`runbook_wan.ops.metrics`.
"""
