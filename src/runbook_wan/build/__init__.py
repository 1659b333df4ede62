"""The estate build: every site's files rendered from a cache of what changed, on every core."""
