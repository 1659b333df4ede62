"""Stage 4: know, before anything touches a device, that a change is sound.

Three families of checks run over the rendered estate (see :mod:`validation.checks`):

* **estate rules** (:mod:`validation.rules`): cross-site invariants of the typed model, each finding
  pointing at the intent file and line;
* **config checks** (:mod:`validation.builtin`, :mod:`validation.batfish`): syntax, references and
  default-path preference of every rendered config, by the always-available builtin backend and,
  when a service is configured, by Batfish;
* later families (the FRR lab twin) plug into the same registry.

Every check reports :class:`validation.report.CheckResult` objects; outputs live in
:mod:`validation.output`.
"""
