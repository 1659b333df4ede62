"""The Batfish backend: snapshot building, answer interpretation and the pybatfish adapter.

Only :mod:`validation.batfish.service` imports pybatfish's client; snapshot building and answer
interpretation are plain Python over data (and testable without a Batfish service).
"""
