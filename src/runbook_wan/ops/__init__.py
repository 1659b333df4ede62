"""Day-2 operations vocabulary shared by the probe, the alert rules, the notifier and the status page.

* :mod:`.metrics`: metric and label names the probe exports and the rules, reports and pages read;
* :mod:`.incidents`: the incident store (SQLite) the notifier writes and everyone else reads;
* :mod:`.stack`: where the monitoring stack keeps its runtime files and how it records itself.

These are contracts: change them here, once, and every reader follows.
"""
