"""Stage: verify. Location-level SLA per site, from the device's own view (NAPALM getters)."""
