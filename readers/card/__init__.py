"""The social security card (SSC) application, host side.

``SocialSecurityCardSession`` reads a card over any ``readers.connection.CardConnection``;
results are small frozen dataclasses (``CardInfo``, ``CardHolder``), failures a small tree
of typed errors (``readers.card.errors``).
"""

from readers.card.errors import (
    CardDataError,
    CardNotGenuine,
    NotSocialSecurityCard,
    PinBlocked,
    SecurityStatusNotSatisfied,
    SocialSecurityCardError,
    UnsupportedAlgorithm,
    WrongPin,
)
from readers.card.models import ApplicationInfo, CardAlgorithm, CardHolder, CardInfo, Sex
from readers.card.session import SocialSecurityCardSession

__all__ = [
    "ApplicationInfo",
    "CardAlgorithm",
    "CardDataError",
    "CardHolder",
    "CardInfo",
    "CardNotGenuine",
    "NotSocialSecurityCard",
    "PinBlocked",
    "SecurityStatusNotSatisfied",
    "Sex",
    "SocialSecurityCardError",
    "SocialSecurityCardSession",
    "UnsupportedAlgorithm",
    "WrongPin",
]
