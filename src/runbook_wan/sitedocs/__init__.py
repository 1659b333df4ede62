"""Stage: site documentation. A Markdown page per site and an estate overview, from the intents."""
