"""The reports' rows (the same rows are served as JSON and as CSV)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class StreetCompliance(BaseModel):
    """One street (township) centre against the guidance's staffing targets."""

    platform_id: int
    unified_code: str
    name: str
    service_recipients: int = Field(description="Residents of the street and its communities")
    street_workers: int
    workers_needed: int = Field(description="One per 6,000 recipients")
    meets_worker_norm: bool
    communities: int
    communities_without_coordinator: int
    workers_total: int = Field(description="Street and community workers")
    certified: int
    certified_rate: float | None
    meets_certified_target: bool


class ComplianceReport(BaseModel):
    generated_at: datetime
    streets: list[StreetCompliance]


class ClerkPerformance(BaseModel):
    clerk_id: int
    clerk_name: str
    window_id: int
    platform_id: int
    submitted: int = Field(description="Applications taken (受理)")
    reviewed: int
    approved: int
    rejected: int
    ratings: int
    average_score: float | None
    satisfied_rate: float | None


class PlatformPerformance(BaseModel):
    platform_id: int
    unified_code: str
    name: str
    decided: int = Field(description="Applications decided in the period")
    within_time_limit: int
    on_time_rate: float | None
    average_days_to_decision: float | None
    open_overdue: int = Field(description="Open applications past their time limit now")
    ratings: int
    average_score: float | None
    satisfied_rate: float | None


class PerformanceReport(BaseModel):
    since: date
    until: date = Field(description="Exclusive")
    generated_at: datetime
    platforms: list[PlatformPerformance]
    clerks: list[ClerkPerformance]


class PlatformQuality(BaseModel):
    platform_id: int
    unified_code: str
    name: str
    records: int
    failed_validation: int
    duplicates: int
    stale: int = Field(description="No unexpired card being made, waiting or in use")
    accuracy: float | None
    meets_accuracy_target: bool


class QualityReport(BaseModel):
    generated_at: datetime
    accuracy_target: float
    platforms: list[PlatformQuality]
