"""Rollout: deploy sites in health-gated waves (canary first) with journal, lock and audit log."""
