"""The builtin config backend: needs nothing but Python (and vtysh for FRR syntax)."""
