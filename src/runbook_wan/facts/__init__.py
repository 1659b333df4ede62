"""Stage 2: typed model -> per-site facts (everything derived), ready for templates.

Public entry point: :func:`facts.builder.build_estate_facts`.
"""
