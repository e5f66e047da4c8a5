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


class DomainError(Exception):
    """Base of every error a clerk may see; ``code`` refines the class's default code."""

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


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
