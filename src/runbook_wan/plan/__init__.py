"""Stage: plan. Compare freshly rendered configs with the committed ones, per site."""
