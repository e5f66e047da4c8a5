"""The bytes a personalisation becomes: the ATR, EF05 and EF06 records, the FCI (profile §2, §3)."""

from __future__ import annotations

import unicodedata

from readers.card.pipe import SEPARATOR as PIPE_SEPARATOR
from readers.iso7816.codecs import encode_an, encode_cn
from readers.iso7816.tlv import encode_ber_tlv, encode_simple_tlv
from simulators.card.filesystem import EF05_FID, EF06_FID, CardFile
from simulators.card.personalisation import CardPersonalisation

ATR_PREFIX = bytes.fromhex("3B6D0000")
HISTORICAL_PREFIX = bytes.fromhex("00815353435059")
NAME_LENGTH = 30
NAME_EXTENSION_LENGTH = 20
ALGORITHM_3DES = 0x01
ALGORITHM_SM4 = 0x03

# Unicode general categories a name may not hold: controls (Cc: NUL, tab, line breaks,
# ESC), format characters (Cf: zero-width, bidirectional marks), surrogates, private use,
# unassigned, and line and paragraph separators. cardsvc refuses the same in any text
# (cardsvc.kit.text); a test holds the two to agreement.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_CATEGORY_WORDS = {
    "Cc": "a control character",
    "Cf": "an invisible format character",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
    "Cs": "a byte of the command line that is not UTF-8 text",
    "Co": "a private-use character",
    "Cn": "an unassigned code point",
}


def atr_for(city_code: str, chip_serial: bytes) -> bytes:
    """The profile §3 ATR: 3B 6D 00 00, then 00 81 53 53 43 50 59 + city (BCD) + serial."""
    return ATR_PREFIX + HISTORICAL_PREFIX + encode_cn(city_code, 2) + chip_serial


def ef05_records(p: CardPersonalisation) -> list[bytes]:
    """EF05 (card data) records 1-7 of profile §2, each a simple TLV."""
    if len(p.card_identification_code) != 16:
        raise ValueError("the card identification code is 16 bytes")
    organisation = (p.initialising_organisation or p.region_code + "000001").encode("ascii")
    if len(organisation) != 12:
        raise ValueError("the initialising organisation number is 12 characters")
    return [
        encode_simple_tlv(0x01, p.card_identification_code),
        encode_simple_tlv(0x02, encode_an(p.card_type, 1, encoding="ascii")),
        encode_simple_tlv(0x03, encode_an(p.generation, 4, encoding="ascii")),
        encode_simple_tlv(0x04, organisation),
        encode_simple_tlv(0x05, encode_cn(p.issue_date, 4)),
        encode_simple_tlv(0x06, encode_cn(p.expiry_date, 4)),
        encode_simple_tlv(0x07, encode_an(p.card_number, 9, encoding="ascii")),
    ]


def holder_name(name: str) -> str:
    """``name`` as a card holds it: trimmed of spaces at either end.

    ``ValueError`` saying why for a name no card should hold: an empty one, or one with a
    control or format character (a tab, a line break, a zero-width or bidirectional mark:
    the categories cardsvc refuses in any text) or the pipe string's separator '|'.
    """
    cleaned = name.strip()
    if not cleaned:
        raise ValueError("a name cannot be empty")
    for ch in cleaned:
        if ch == PIPE_SEPARATOR:
            raise ValueError(
                "a name cannot hold '|': it separates the fields of the ministry's pipe string "
                "a card is read into; give the name without it"
            )
        category = unicodedata.category(ch)
        if category in REFUSED_CATEGORIES:
            described = unicodedata.name(ch, "")
            raise ValueError(
                f"the name holds U+{ord(ch):04X}{' ' + described if described else ''}, "
                f"{_CATEGORY_WORDS[category]}: a name holds "
                "only visible characters and spaces; give it as the issuer writes it"
            )
    return cleaned


def split_name(name: str, generation: str) -> tuple[bytes, bytes]:
    """The name (``holder_name``: trimmed, no control characters, no '|') in GBK cut at a
    character boundary into tag 09 (≤ 30 bytes) and, on 2.00 and 3.00 cards, the
    extension 4E (≤ 20 bytes).

    ``ValueError`` saying why when a card of ``generation`` cannot hold the name.
    """
    name = holder_name(name)
    for ch in name:
        try:
            ch.encode("gbk")
        except UnicodeEncodeError:
            raise ValueError(
                f"{ch!r} (U+{ord(ch):04X}) cannot be written on a card: cards keep names in "
                "GBK, which has no such character; give the name as the issuer writes it"
            ) from None
    size = len(name.encode("gbk"))
    head = ""
    for ch in name:
        if len((head + ch).encode("gbk")) > NAME_LENGTH:
            break
        head += ch
    tail = name[len(head) :].encode("gbk")
    if tail and generation == "1.00":
        raise ValueError(
            f"the name is {size} GBK bytes and a 1.00 card holds {NAME_LENGTH} "
            "(it has no name extension)"
        )
    if len(tail) > NAME_EXTENSION_LENGTH:
        raise ValueError(
            f"the name is {size} GBK bytes and does not fit a {generation} card: it holds "
            f"{NAME_LENGTH + NAME_EXTENSION_LENGTH} ({NAME_LENGTH}, and {NAME_EXTENSION_LENGTH} "
            "more in the name extension)"
        )
    return head.encode("gbk"), tail


def ef06_records(p: CardPersonalisation) -> list[bytes]:
    """EF06 (holder data) records of profile §2; 1.00 cards have no 4E record."""
    name, extension = split_name(p.name, p.generation)
    records = [
        encode_simple_tlv(0x08, encode_an(p.social_security_number, 18, encoding="ascii")),
        encode_simple_tlv(0x09, name.ljust(NAME_LENGTH, b"\x00")),
    ]
    if p.generation != "1.00":
        padding = bytes((p.name_padding,))
        records.append(encode_simple_tlv(0x4E, extension.ljust(NAME_EXTENSION_LENGTH, padding)))
    return [
        *records,
        encode_simple_tlv(0x0A, encode_an(p.sex, 1, encoding="ascii")),
        encode_simple_tlv(0x0B, encode_cn(p.ethnic_group, 1)),
        encode_simple_tlv(0x0C, encode_cn(p.birthplace, 3)),
        encode_simple_tlv(0x0D, encode_cn(p.birth_date, 4)),
    ]


def fci(df: CardFile, algorithm: int) -> bytes:
    proprietary = encode_ber_tlv(0x9F0C, bytes((0x86, 0x01, algorithm)))
    return encode_ber_tlv(0x6F, encode_ber_tlv(0x84, df.name) + encode_ber_tlv(0xA5, proprietary))


# [profile] EF05 and EF06 of a blank card: each record present with its tag and length,
# zero-filled, so issuance fills them with UPDATE RECORD.
_EF05_LAYOUT = ((0x01, 16), (0x02, 1), (0x03, 4), (0x04, 12), (0x05, 4), (0x06, 4), (0x07, 9))
_EF06_LAYOUT = ((0x08, 18), (0x09, 30), (0x4E, 20), (0x0A, 1), (0x0B, 1), (0x0C, 3), (0x0D, 4))


def blank_records(generation: str, card_identification_code: bytes) -> dict[int, list[bytes]]:
    """EF05 and EF06 as the card factory leaves them: the identification code and the spec
    version written, every other record zero-filled (a 1.00 card has no 4E record)."""
    if len(card_identification_code) != 16:
        raise ValueError("the card identification code is 16 bytes")
    written = {0x01: card_identification_code, 0x03: generation.encode("ascii")}
    ef05 = [encode_simple_tlv(tag, written.get(tag, bytes(length))) for tag, length in _EF05_LAYOUT]
    ef06 = [
        encode_simple_tlv(tag, bytes(length))
        for tag, length in _EF06_LAYOUT
        if tag != 0x4E or generation != "1.00"
    ]
    return {EF05_FID: ef05, EF06_FID: ef06}
