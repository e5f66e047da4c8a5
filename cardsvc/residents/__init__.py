"""Residents (参保人员): identity, household registration, address, community."""
