"""Residents' satisfaction ratings of the service at a window (好差评)."""
