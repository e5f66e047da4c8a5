"""Typed errors of the SSC application, each carrying the ministry's interface code (§7).

SocialSecurityCardError (code)
├── NotSocialSecurityCard        -1   the card has no SSSE application
├── UnsupportedAlgorithm         -1   the card uses SSF33, which this project does not support
├── WrongPin(tries_left)        -51
├── PinBlocked                  -52
├── CardNotGenuine              -21   internal authentication failed
│   └── PsamDoesNotMatchCard    -21   … and the PSAM is of another province than the card
├── KeyAuthenticationFailed     -sw   the card refused EXTERNAL AUTHENTICATE (63Cx, 6983)
├── PsamError                 -2201   no usable PSAM (or -sw of a PSAM status word)
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
    """The card did not prove it holds the issuer's keys: never show it as a resident's."""

    code = -21


class PsamDoesNotMatchCard(CardNotGenuine):
    """Internal authentication failed with a PSAM of another province than the card's."""

    def __init__(self, psam_region: str, card_region: str, message: str) -> None:
        self.psam_region = psam_region
        self.card_region = card_region
        super().__init__(message)


class KeyAuthenticationFailed(SocialSecurityCardError):
    """The card refused the terminal's EXTERNAL AUTHENTICATE cryptogram.

    ``tries_left`` is what the card reported (0 once the key is blocked, ``6983``).
    """

    def __init__(self, sw: int, key: str, tries_left: int) -> None:
        self.sw = sw
        self.tries_left = tries_left
        state = "blocked" if tries_left == 0 else f"{tries_left} tries left"
        super().__init__(f"the card refused the {key} key ({sw:04X}, {state})", code=-sw)


class PsamError(SocialSecurityCardError):
    """The PSAM is missing, is not a PSAM, or refused a command (code −2201 or −SW)."""

    code = -2201


class SecurityStatusNotSatisfied(SocialSecurityCardError):
    code = -0x6982


class CardDataError(SocialSecurityCardError):
    code = -4


class CardCommandError(SocialSecurityCardError):
    def __init__(self, sw: int, what: str) -> None:
        self.sw = sw
        super().__init__(f"{what}: card answered {sw:04X}", code=-sw)
