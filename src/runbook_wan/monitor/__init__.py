"""``runbook.py monitor up|down|status``: run Prometheus, Alertmanager, the probe and the notifier.

Debian's binaries, loopback addresses and free ports, configs generated from the intents into
``<state>/monitor/config/``, data and logs under ``<state>/monitor/``, no systemd: every process
is recorded in ``<state>/monitor/stack.json`` (:class:`runbook_wan.ops.stack.StackRecord`) as it
starts and stopped by PID, also when ``up`` fails half-way.
"""
