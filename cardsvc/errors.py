"""Domain errors: plain exceptions raised by services, mapped to HTTP in ``problems.py``.

DomainError
├── NotAuthenticatedError      no valid token, wrong password
├── ForbiddenError             the clerk's role may not do this
│   └── OutsideJurisdictionError   the resident or card belongs to another platform
├── NotFoundError
├── InvalidDataError           the request is well-formed but breaks a rule
├── ConflictError              duplicates, idempotency key reuse
│   └── TransitionRefusedError the card's state does not allow the action
└── CardRefusedError           identify: blacklisted or mismatched card

``detail`` is simplified Chinese for the clerk; ``code`` is stable for programs. Neither
ever contains a social security number or a name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    """A refused access to residents' or cards' data, audited after the request rolls back."""

    clerk_id: int
    window_id: int
    permission: str
    subject_type: str
    subject_id: str
    purpose: str | None = None


class DomainError(Exception):
    """Base of every error a clerk may see; ``code`` refines the class's default code.

    ``refusal`` is set when the error refuses access to personal data: the request's
    transaction is rolled back, and the refusal is then written to the audit trail alone.
    """

    def __init__(
        self, detail: str, *, code: str | None = None, refusal: Refusal | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.refusal = refusal


class NotAuthenticatedError(DomainError):
    pass


class ForbiddenError(DomainError):
    pass


class OutsideJurisdictionError(ForbiddenError):
    pass


class NotFoundError(DomainError):
    pass


class InvalidDataError(DomainError):
    pass


class ConflictError(DomainError):
    pass


class TransitionRefusedError(ConflictError):
    pass


class CardRefusedError(DomainError):
    pass
