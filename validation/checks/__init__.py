"""Check families: the extension point of ``runbook.py validate``.

A family is an object with a ``name``, a one-line ``title`` and ``run(ctx) -> list[CheckResult]``
(the :class:`~validation.checks.base.CheckFamily` protocol).
:func:`validation.checks.registry.default_families` returns the families of a run, in
order; the CLI runs each one whose ``enabled(options)`` is true and times it.

Adding a family (e.g. the FRR lab twin)::

    # validation/checks/twin.py
    class TwinFamily:
        name = "twin"
        title = "boot candidate configs in the FRR lab"
        def enabled(self, options: ValidationOptions) -> bool:
            return bool(options.extras.get("twin"))
        def run(self, ctx: ValidationContext) -> list[CheckResult]: ...

    # validation/checks/registry.py: add TwinFamily() to default_families()
    # commands/cmd_validate.py: add `--twin` and put it in ValidationOptions.extras["twin"]
"""
