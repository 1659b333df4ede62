"""The twin survivability proof: boot candidate configs in the FRR lab and break circuits.

For every site and scenario, LAN-sourced traffic must reach the hub and SaaS addresses, and the
SD-WAN policy must steer its application classes onto the circuit they should use in that
scenario (or drop them where guardrails forbid every circuit left).
"""
