"""Stage 1: intents (YAML) -> typed, validated model.

Public entry point: :func:`model.loader.load_estate`.
"""
