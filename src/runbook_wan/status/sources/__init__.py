"""Where the pane's facts come from, one module per source; each returns plain data or nothing."""
