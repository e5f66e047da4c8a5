"""Identifying a resident from their card, with the genuine-card check (profile §5, §7).

``identify(session)`` runs the terminal's read: SELECT SSSE (done by the session), EF05,
INTERNAL AUTHENTICATE checked by the session's authenticator, EXTERNAL AUTHENTICATE with
RKSSSE on 3.00 cards, EF06, the photo. A card that fails the check raises
``CardNotGenuine`` (−21) before any holder data is read, so it is never shown as a
resident. Without an authenticator the read still works, and the result says plainly
that genuineness was NOT checked (a 3.00 card then withholds its holder data).

[profile] INTERNAL AUTHENTICATE uses the host's own random ``pf`` and ``orig`` (the
profile's "or supplies its own"): no card challenge is needed. EXTERNAL AUTHENTICATE
takes one 16-byte card challenge, ``orig ‖ pf`` (see ``simulators.card.security``).
"""

from __future__ import annotations

import dataclasses
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from readers.card import constants as c
from readers.card.authenticator import KEY_VERSIONS, Authenticator, CardKey, CardKeyContext
from readers.card.errors import (
    CardNotGenuine,
    PsamDoesNotMatchCard,
    PsamError,
    SecurityStatusNotSatisfied,
    SocialSecurityCardError,
)
from readers.card.models import CardHolder, CardInfo
from readers.card.regions import describe_region, province_of
from readers.card.session import SocialSecurityCardSession
from readers.iso7816 import status

logger = logging.getLogger(__name__)

RandomBytes = Callable[[int], bytes]
NOT_CHECKED = "genuineness NOT checked (no PSAM or key service): the card may be a copy"


@dataclass(frozen=True)
class Identification:
    """What the terminal shows: the card, its holder, the photo, and how it was checked.

    ``genuine`` is True only when the card proved it holds the issuer's keys; False means
    the check was not made (a card that fails it raises ``CardNotGenuine`` instead).
    ``holder`` is None when the card withheld it (a 3.00 card read without a PSAM).
    """

    card: CardInfo
    holder: CardHolder | None
    photo: bytes = field(repr=False)
    genuine: bool
    checked_by: str | None

    @property
    def genuineness(self) -> str:
        """One line for people: who verified the card, or that nobody did."""
        if self.genuine:
            return f"genuine card: internal authentication verified by {self.checked_by}"
        return NOT_CHECKED


def key_context(session: SocialSecurityCardSession, card: CardInfo) -> CardKeyContext:
    """The card facts an authenticator diversifies with."""
    return CardKeyContext(
        card.card_identification_code, card.region_code, session.application.algorithm
    )


def verify_genuine(
    session: SocialSecurityCardSession,
    authenticator: Authenticator,
    card: CardInfo,
    *,
    random_bytes: RandomBytes = secrets.token_bytes,
) -> CardKeyContext:
    """INTERNAL AUTHENTICATE, checked in constant time; ``CardNotGenuine`` if it fails.

    The card answers once; its answer is checked against the authenticator's newest key
    version first, then against each older version it holds, so a card made before a
    key rotation is still recognised. Returns the card's key context with the version
    that matched, for the steps that follow.
    """
    process_factor, original = random_bytes(c.FACTOR_LENGTH), random_bytes(c.FACTOR_LENGTH)
    try:
        answer = session.internal_authenticate(process_factor, original)
    except SocialSecurityCardError as exc:
        raise CardNotGenuine(f"the card cannot authenticate itself: {exc}") from None
    newest = key_context(session, card)
    for context in (newest, *(dataclasses.replace(newest, key_version=v) for v in KEY_VERSIONS)):
        try:
            expected = authenticator.cryptogram(
                context, CardKey.INTERNAL_AUTHENTICATION, process_factor, original
            )
        except PsamError as exc:
            if context is newest or exc.code != -status.KEY_NOT_FOUND:
                raise
            continue  # the authenticator holds no key of that version
        if hmac.compare_digest(expected, answer):
            return context
    logger.warning("a card of region %s failed internal authentication", card.region_code)
    raise _not_genuine(authenticator, card)


def _not_genuine(authenticator: Authenticator, card: CardInfo) -> CardNotGenuine:
    theirs = authenticator.region_code
    if theirs is not None and province_of(theirs) != province_of(card.region_code):
        psam_province, card_province = province_of(theirs), province_of(card.region_code)
        return PsamDoesNotMatchCard(
            theirs,
            card.region_code,
            f"the card failed internal authentication: the {authenticator.description} "
            f"serves {_named(psam_province)}, but the card was issued in "
            f"{_named(card.region_code)} ({_named(card_province)}); the PSAM does not match "
            "the card's region: use a PSAM of the card's province or the key service",
        )
    return CardNotGenuine(
        f"the card failed internal authentication by {authenticator.description}: "
        "it does not hold the issuer's keys (not a genuine card)"
    )


def _named(region_code: str) -> str:
    name = describe_region(region_code)
    return f"{name} {region_code}" if name else region_code


def open_read_access(
    session: SocialSecurityCardSession, authenticator: Authenticator, context: CardKeyContext
) -> None:
    """EXTERNAL AUTHENTICATE with RKSSSE (key 0A): opens EF05 tag 07 and EF06 on 3.00 cards."""
    challenge = session.get_challenge(c.EXTERNAL_AUTH_CHALLENGE_LENGTH)
    original, process_factor = challenge[: c.FACTOR_LENGTH], challenge[c.FACTOR_LENGTH :]
    cryptogram = authenticator.cryptogram(context, CardKey.READ, process_factor, original)
    session.external_authenticate(c.KEY_ID_READ, cryptogram, original)


def identify(
    session: SocialSecurityCardSession,
    *,
    read_photo: bool = True,
    random_bytes: RandomBytes = secrets.token_bytes,
) -> Identification:
    """The terminal's identification read (see the module docstring)."""
    card = session.read_card_info()
    authenticator = session.authenticator
    if authenticator is None:
        holder: CardHolder | None
        try:
            holder = session.read_holder()
        except SecurityStatusNotSatisfied:
            holder = None
        photo = session.read_photo() if read_photo else b""
        return Identification(card, holder, photo, genuine=False, checked_by=None)
    context = verify_genuine(session, authenticator, card, random_bytes=random_bytes)
    if card.generation == "3.00":
        open_read_access(session, authenticator, context)
        if card.card_number is None:
            card = dataclasses.replace(card, card_number=session.read_card_number())
    holder = session.read_holder()
    photo = session.read_photo() if read_photo else b""
    return Identification(card, holder, photo, genuine=True, checked_by=authenticator.description)
