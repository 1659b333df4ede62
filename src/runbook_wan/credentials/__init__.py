"""Secrets: named in intents, rendered as tokens, resolved only at push, masked everywhere."""
