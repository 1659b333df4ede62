"""Stage 3: facts -> config text, one Jinja2 template per platform and config section."""
