"""Reports on what was promised: availability per site (from Prometheus) and change lead time
(from git and the audit log). ``runbook.py report availability|lead-time``."""
