"""Social security cards: numbers, the lifecycle, status history, the blacklist feed, identify."""
