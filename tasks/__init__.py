"""Nornir tasks of the deploy, one per step, and the per-site composite that chains them.

Shape follows nornir_napalm's ``napalm_configure``: load replace candidate -> compare ->
commit (or discard on a dry run) -> ``Result(changed, diff)``; with commit-confirm and a health
gate between commit and confirm. Tasks never print; they return Results.
"""
