"""The resident summary: everything a window shows after a tap, in one answer."""
