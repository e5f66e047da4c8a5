"""Applications through the two tiers: submitted at a window, first review, approval."""
