"""Domain errors: plain exceptions raised by services, mapped to HTTP in ``problems.py``.

DomainError
├── NotAuthenticatedError      no valid token, wrong password
├── ForbiddenError             the clerk's role may not do this
│   └── OutsideJurisdictionError   the resident or card belongs to another platform
├── NotFoundError
├── InvalidDataError           the request is well-formed but breaks a rule
├── ConflictError              duplicates, idempotency key reuse
│   └── TransitionRefusedError the card's state does not allow the action
├── TooManyAttemptsError       logins throttled: try again later
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
    # Why, when the clerk is answered something else (outside jurisdiction answers 404).
    code: str | None = None


class DomainError(Exception):
    """Base of every error a clerk may see; ``code`` refines the class's default code.

    ``refusal`` is set when the error refuses access to personal data: the request's
    transaction is rolled back, and the refusal is then written to the audit trail alone.
    """

    default_code = "domain_error"
    # The same request may succeed if sent again shortly (answered with Retry-After).
    retryable = False

    def __init__(
        self, detail: str, *, code: str | None = None, refusal: Refusal | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.refusal = refusal


class NotAuthenticatedError(DomainError):
    default_code = "not_authenticated"


class ForbiddenError(DomainError):
    default_code = "forbidden"


class OutsideJurisdictionError(ForbiddenError):
    default_code = "outside_jurisdiction"


class NotFoundError(DomainError):
    default_code = "not_found"


class InvalidDataError(DomainError):
    default_code = "invalid_data"


class ConflictError(DomainError):
    default_code = "conflict"


class TransitionRefusedError(ConflictError):
    default_code = "transition_refused"


class TooManyAttemptsError(DomainError):
    default_code = "too_many_attempts"
    retryable = True

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class CardRefusedError(DomainError):
    default_code = "card_refused"
