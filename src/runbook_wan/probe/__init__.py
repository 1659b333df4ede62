"""``runbook.py probe``: one agent measuring every circuit of the estate from each site's LAN side.

* :mod:`.icmp`: echo requests from one process over raw sockets opened inside each vantage's
  network namespace (no process per site per cycle);
* :mod:`.cycle`: one measurement cycle -> loss, latency, jitter per circuit, hub and SaaS reachability;
* :mod:`.vantage`: where each site is measured from (in the lab: its LAN-hosts namespace);
* :mod:`.devices`: link and BGP state through NAPALM, at a slower cadence;
* :mod:`.exporter`: the Prometheus metrics (names from :mod:`runbook_wan.ops.metrics`);
* :mod:`.agent`: the loop that ties them together.
"""
