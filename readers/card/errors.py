"""Typed errors of the SSC application, each carrying the ministry's interface code (§7).

SocialSecurityCardError (code)
├── NotSocialSecurityCard        -1   the card has no SSSE application
├── UnsupportedAlgorithm         -1   the card uses SSF33, which this project does not support
├── WrongPin(tries_left)        -51
├── PinBlocked                  -52
├── CardNotGenuine              -21   internal authentication failed
├── SecurityStatusNotSatisfied  -27010 (6982) the card withholds data until authenticated
├── CardDataError                -4   a record the card returned is not what the profile says
└── CardCommandError(sw)        -sw   any other status word
"""

from __future__ import annotations


class SocialSecurityCardError(Exception):
    code: int = -4

    def __init__(self, message: str, *, code: int | None = None) -> None:
        if code is not None:
            self.code = code
        super().__init__(message)


class NotSocialSecurityCard(SocialSecurityCardError):
    code = -1


class UnsupportedAlgorithm(SocialSecurityCardError):
    code = -1


class WrongPin(SocialSecurityCardError):
    code = -51

    def __init__(self, tries_left: int) -> None:
        self.tries_left = tries_left
        super().__init__(f"wrong PIN, {tries_left} tries left")


class PinBlocked(SocialSecurityCardError):
    code = -52

    def __init__(self) -> None:
        super().__init__("PIN is blocked: unblock it at a service window")


class CardNotGenuine(SocialSecurityCardError):
    code = -21


class SecurityStatusNotSatisfied(SocialSecurityCardError):
    code = -0x6982


class CardDataError(SocialSecurityCardError):
    code = -4


class CardCommandError(SocialSecurityCardError):
    def __init__(self, sw: int, what: str) -> None:
        self.sw = sw
        super().__init__(f"{what}: card answered {sw:04X}", code=-sw)
