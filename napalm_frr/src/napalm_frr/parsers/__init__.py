"""Pure functions from FRR / Linux command output to NAPALM's shapes (no I/O here)."""
