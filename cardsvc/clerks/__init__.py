"""Clerks, their roles and jurisdictions, passwords and login tokens."""
