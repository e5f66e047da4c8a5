"""The kit's exception tree.

Iso7816Error
├── FormatError (also ValueError): bytes that are not what they claim to be
│   ├── MalformedApduError
│   ├── MalformedTlvError
│   └── FieldCodecError
└── StatusError(sw): the card answered a status word other than 9000
    ├── VerificationFailedError(tries_left)   63Cx
    ├── AuthenticationBlockedError            6983
    ├── SecurityStatusNotSatisfiedError       6982
    ├── ChallengeInvalidError                 6984
    ├── ConditionsNotSatisfiedError           6985
    ├── MacInvalidError                       6988
    ├── WrongLengthError                      6700 (and 6Cxx when not resent)
    ├── FileNotFoundOnCardError               6A82
    ├── RecordNotFoundError                   6A83
    ├── WrongParametersError                  6A86
    ├── KeyNotFoundError                      6A88
    └── NotSupportedError                     6A81, 6D00, 6E00
"""

from __future__ import annotations


class Iso7816Error(Exception):
    """Base of every error the ISO 7816 kit raises."""


class FormatError(Iso7816Error, ValueError):
    """Bytes that do not parse as what they claim to be."""


class MalformedApduError(FormatError):
    pass


class MalformedTlvError(FormatError):
    pass


class FieldCodecError(FormatError):
    pass


class StatusError(Iso7816Error):
    """The card answered with a status word other than 9000."""

    def __init__(self, sw: int, message: str | None = None) -> None:
        self.sw = sw
        super().__init__(message or f"card answered status word {sw:04X}")


class VerificationFailedError(StatusError):
    def __init__(self, sw: int) -> None:
        self.tries_left = sw & 0x0F
        super().__init__(sw, f"verification failed, {self.tries_left} tries left ({sw:04X})")


class AuthenticationBlockedError(StatusError):
    pass


class SecurityStatusNotSatisfiedError(StatusError):
    pass


class ChallengeInvalidError(StatusError):
    pass


class ConditionsNotSatisfiedError(StatusError):
    pass


class MacInvalidError(StatusError):
    pass


class WrongLengthError(StatusError):
    pass


class FileNotFoundOnCardError(StatusError):
    pass


class RecordNotFoundError(StatusError):
    pass


class WrongParametersError(StatusError):
    pass


class KeyNotFoundError(StatusError):
    pass


class NotSupportedError(StatusError):
    pass
