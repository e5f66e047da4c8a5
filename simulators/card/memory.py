"""What a soft card keeps when powered off: records, photo, PIN, card keys and try counters."""

from __future__ import annotations

from dataclasses import dataclass, field

from keys.algorithms import KeyPurpose
from readers.iso7816.codecs import decode_cn, encode_cn
from readers.iso7816.errors import FieldCodecError, MalformedTlvError
from readers.iso7816.tlv import parse_simple_tlv
from simulators.card.filesystem import PHOTO_FILE_SIZE, RECORD_FILES
from simulators.card.keyring import CARD_KEY_ORDER, StoredKey
from simulators.card.personalisation import DEFAULT_PIN, GENERATIONS, Generation

PIN_TRIES = 3
PIN_MIN_BYTES = 2
PIN_MAX_BYTES = 6
PIN_SEPARATOR = 0xFF


def is_pin_block(data: bytes) -> bool:
    """A PIN as the card takes it: 2-6 bytes BCD, at most one F nibble at the very end."""
    if not PIN_MIN_BYTES <= len(data) <= PIN_MAX_BYTES:
        return False
    try:
        digits = decode_cn(data)
    except FieldCodecError:
        return False
    return len(digits) >= 2 * len(data) - 1


def encode_pin(pin: str) -> bytes:
    """The PIN block the card stores and VERIFY carries: BCD, an odd digit count F-padded."""
    block = encode_cn(pin, (len(pin) + 1) // 2)
    if not is_pin_block(block):
        raise ValueError(f"a PIN has 3 to 12 digits, got {len(pin)} characters")
    return block


@dataclass
class CardMemory:
    """The card's non-volatile memory: everything that survives power-off.

    ``records`` maps the FID of EF05 and EF06 to their records, each a whole simple TLV;
    ``photo`` is the content of EF08, always PHOTO_FILE_SIZE bytes. ``keys`` holds the
    SSSE application's card keys by purpose; a card made before keys existed has none.
    """

    generation: Generation
    chip_serial: bytes
    city_code: str = "0000"
    records: dict[int, list[bytes]] = field(default_factory=lambda: {f: [] for f in RECORD_FILES})
    photo: bytes = bytes(PHOTO_FILE_SIZE)
    pin: bytes = field(default_factory=lambda: encode_pin(DEFAULT_PIN))
    pin_tries_left: int = PIN_TRIES
    keys: dict[KeyPurpose, StoredKey] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.generation not in GENERATIONS:
            raise ValueError(f"unknown spec version {self.generation!r}")
        if len(self.chip_serial) != 4:
            raise ValueError(f"chip serial must be 4 bytes, got {len(self.chip_serial)}")
        if len(self.city_code) != 4 or not (self.city_code.isascii() and self.city_code.isdigit()):
            raise ValueError(f"city code must be 4 digits, got {self.city_code!r}")
        if sorted(self.records) != sorted(RECORD_FILES):
            raise ValueError("records must hold exactly EF05 and EF06")
        for fid, records in self.records.items():
            for number, record in enumerate(records, 1):
                try:
                    parse_simple_tlv(record)
                except MalformedTlvError as exc:
                    raise ValueError(f"EF{fid:02X} record {number}: {exc}") from None
        if len(self.photo) != PHOTO_FILE_SIZE:
            raise ValueError(f"EF08 holds {PHOTO_FILE_SIZE} bytes, got {len(self.photo)}")
        if not is_pin_block(self.pin):
            raise ValueError("the PIN must be 2-6 bytes of F-padded BCD")
        if not 0 <= self.pin_tries_left <= PIN_TRIES:
            raise ValueError(f"PIN tries left must be 0..{PIN_TRIES}, got {self.pin_tries_left}")
        unknown = set(self.keys) - set(CARD_KEY_ORDER)
        if unknown:
            raise ValueError(f"not card keys: {', '.join(sorted(unknown))}")
