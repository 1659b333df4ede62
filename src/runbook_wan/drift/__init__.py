"""Stage: drift. Does each device still run what was deployed? Running config vs ``configs/<site>.cfg``.

* :mod:`.normalize`: the comparable lines of a config (comments and device-added lines dropped);
* :mod:`.compare`: the parent-aware diff of one site (:mod:`runbook_wan.plan.diff`), secrets masked;
* :mod:`.task`: the Nornir task that reads one device's running config through NAPALM;
* :mod:`.store`: the latest result per site under ``<state>/drift/`` (the status page reads it);
* :mod:`.check`: the whole check for a set of sites (``runbook.py drift``, deploy waves, the probe);
* :mod:`.metric`: ``runbook_config_drift`` for the monitoring probe.
"""
