"""Which sites a command acts on: ``--limit`` expressions (Ansible-like)."""
