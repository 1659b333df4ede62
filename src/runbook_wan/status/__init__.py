"""Operate: the single pane of glass. ``runbook.py status [serve|--html FILE]``.

* :mod:`.sources`: one small module per source (intents and facts, the monitoring stack's
  Prometheus, the incident store, drift results, the rollout journal and audit log);
* :mod:`.model` and :mod:`.collect`: the estate and site views built from them (also the JSON API);
* :mod:`.render`: Jinja2 pages (autoescaped, no JavaScript), live and as one static file;
* :mod:`.app` and :mod:`.access`: the Starlette app, loopback by default, read-only token otherwise.
"""
