"""Base ledgers (基础台账) per platform, kept current from the window business."""
