"""The ministry's ``iReadCardBas`` string (profile §7), field for field.

``region | SSN | card number | card id (32 hex) | name | ATR historical bytes (26 hex) |
spec version | issue date | expiry date | terminal number | terminal device id |``
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from readers.card.models import CardHolder, CardInfo

SEPARATOR = "|"


class MalformedPipeStringError(ValueError):
    pass


@dataclass(frozen=True)
class BasicCardRecord:
    """The eleven fields of ``iReadCardBas``, as text exactly as the string carries them."""

    region_code: str
    social_security_number: str
    card_number: str
    card_identification_code: str
    name: str
    atr_historical_bytes: str
    spec_version: str
    issue_date: str
    expiry_date: str
    terminal_number: str
    terminal_device_id: str

    def to_pipe(self) -> str:
        values = [getattr(self, f.name) for f in fields(self)]
        if any(SEPARATOR in v for v in values):
            raise MalformedPipeStringError("a field contains the separator '|'")
        return "".join(v + SEPARATOR for v in values)

    @classmethod
    def from_pipe(cls, text: str) -> BasicCardRecord:
        parts = text.split(SEPARATOR)
        expected = len(fields(cls))
        if len(parts) != expected + 1 or parts[-1] != "":
            raise MalformedPipeStringError(
                f"expected {expected} fields each followed by '|', got {len(parts) - 1}"
            )
        return cls(*parts[:-1])


def basic_card_record(
    card: CardInfo,
    holder: CardHolder | None,
    atr_historical_bytes: bytes,
    *,
    terminal_number: str = "",
    terminal_device_id: str = "",
) -> BasicCardRecord:
    """The record a reader returns; fields the card withheld (3.00 before RKSSSE) are empty."""
    return BasicCardRecord(
        region_code=card.region_code,
        social_security_number=holder.social_security_number if holder else "",
        card_number=card.card_number or "",
        card_identification_code=card.card_identification_code.hex().upper(),
        name=holder.name if holder else "",
        atr_historical_bytes=atr_historical_bytes.hex().upper(),
        spec_version=card.generation,
        issue_date=card.issue_date.strftime("%Y%m%d"),
        expiry_date=card.expiry_date.strftime("%Y%m%d"),
        terminal_number=terminal_number,
        terminal_device_id=terminal_device_id,
    )
