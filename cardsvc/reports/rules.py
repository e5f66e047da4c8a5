"""The guidance's targets, and how each measure is computed from its counts."""

from __future__ import annotations

# About one street-platform worker per 6,000 service recipients.
RECIPIENTS_PER_STREET_WORKER = 6000
# At least one coordinator (协理员) per community station.
COORDINATORS_PER_COMMUNITY = 1
# At least 90% of workers certified (持证上岗).
CERTIFIED_TARGET = 0.90
# Data accuracy at least 95%.
ACCURACY_TARGET = 0.95
# A report covers at most a year (a supervisor's longest period).
MAX_REPORT_DAYS = 366


def ratio(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to four places; None when there is nothing to measure."""
    return round(part / whole, 4) if whole else None


def workers_needed(recipients: int) -> int:
    """Street workers the guidance expects for ``recipients`` (at least one)."""
    return max(1, -(-recipients // RECIPIENTS_PER_STREET_WORKER))


def accuracy(records: int, failed: int, duplicates: int) -> float | None:
    """Share of records neither failing validation nor duplicated (a record both failing
    and duplicated counts once against, at most: the measure never goes below zero)."""
    if not records:
        return None
    return round(max(0, records - failed - duplicates) / records, 4)
