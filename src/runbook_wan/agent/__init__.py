"""The edge agent: SLA steering measured and decided on the router (``runbook-agent``).

It runs on each FRR site router, reads its rendered policy file (``/etc/frr/runbook-agent.json``)
and nothing else, probes every circuit pinned to it (``fping -I IF -S SRC``), judges each circuit
against each class's SLA over sliding windows with hysteresis, and moves a class by rewriting
``set nexthop`` of its pbr-map sequences through ``vtysh`` (never saved). It exports what it
measures and decides on ``/metrics`` and ``/state``. See ``docs/agent.md``.

It is self-contained on purpose: it imports nothing of ``runbook_wan`` outside this package
(``tests/test_layers.py``), needs only the standard library and ``prometheus_client``, and never
loads the intent model.

Modules:

* :mod:`.policy`: the policy file (format, validation, digest);
* :mod:`.window`: probe samples and window statistics (pure);
* :mod:`.decision`: per class and circuit health states, hysteresis and the choice (pure);
* :mod:`.fping`: one ``fping`` per circuit, its output turned into samples;
* :mod:`.frr`: reading and rewriting the pbr-map through ``vtysh``;
* :mod:`.runner`: the only place that starts processes (tests inject recorded output);
* :mod:`.exporter`: Prometheus metrics and the ``/state`` JSON over HTTP;
* :mod:`.service`: the agent loop; :mod:`.cli`: the command line.
"""
