"""Nornir inventory of the estate's sites: hosts from the intents, addresses from ``hosts.yaml``,
per-platform connection options from ``groups.yaml`` and ``defaults.yaml`` (see :mod:`inventory.plugin`)."""
