"""Simple TLV (the SSC record form) and BER-TLV (FCI templates such as ``9F0C``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from readers.iso7816.errors import MalformedTlvError

# --- simple TLV: one-byte tag (01..FE), length in one byte or FF + two bytes ---


def encode_simple_tlv(tag: int, value: bytes) -> bytes:
    if not 0x01 <= tag <= 0xFE:
        raise MalformedTlvError(f"simple-TLV tag must be 01..FE, got {tag:#x}")
    n = len(value)
    if n < 0xFF:
        return bytes((tag, n)) + value
    if n <= 0xFFFF:
        return bytes((tag, 0xFF)) + n.to_bytes(2, "big") + value
    raise MalformedTlvError(f"simple-TLV value too long: {n} bytes")


def _read_simple(raw: bytes, pos: int) -> tuple[int, bytes, int]:
    if pos + 2 > len(raw):
        raise MalformedTlvError("simple-TLV truncated in tag or length")
    tag, n = raw[pos], raw[pos + 1]
    if tag in (0x00, 0xFF):
        raise MalformedTlvError(f"invalid simple-TLV tag {tag:02X}")
    pos += 2
    if n == 0xFF:
        if pos + 2 > len(raw):
            raise MalformedTlvError("simple-TLV truncated in three-byte length")
        n = int.from_bytes(raw[pos : pos + 2], "big")
        pos += 2
    if pos + n > len(raw):
        raise MalformedTlvError(f"simple-TLV value of tag {tag:02X} truncated")
    return tag, bytes(raw[pos : pos + n]), pos + n


def iter_simple_tlv(raw: bytes) -> Iterator[tuple[int, bytes]]:
    """Each (tag, value) of a concatenation of simple-TLV objects."""
    pos = 0
    while pos < len(raw):
        tag, value, pos = _read_simple(raw, pos)
        yield tag, value


def parse_simple_tlv(raw: bytes) -> tuple[int, bytes]:
    """Exactly one simple-TLV object: a record as READ RECORD returns it."""
    tag, value, end = _read_simple(raw, 0)
    if end != len(raw):
        raise MalformedTlvError(f"{len(raw) - end} bytes after simple-TLV of tag {tag:02X}")
    return tag, value


# --- BER-TLV (ISO/IEC 8825-1 as used by ISO 7816-4) ---


@dataclass(frozen=True)
class BerTlv:
    """One BER-TLV object. ``tag`` is the tag bytes as an integer (``0x9F0C``)."""

    tag: int
    value: bytes

    @property
    def constructed(self) -> bool:
        first = self.tag.to_bytes(max(1, (self.tag.bit_length() + 7) // 8), "big")[0]
        return bool(first & 0x20)

    def children(self) -> list[BerTlv]:
        if not self.constructed:
            raise MalformedTlvError(f"tag {self.tag:X} is primitive and has no children")
        return parse_ber_tlvs(self.value)

    def find(self, tag: int) -> BerTlv | None:
        """The first object with ``tag`` inside this one, searched depth first."""
        return find_ber_tlv(self.children(), tag) if self.constructed else None

    def to_bytes(self) -> bytes:
        return encode_ber_tlv(self.tag, self.value)


def _encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    size = (n.bit_length() + 7) // 8
    if size > 3:
        raise MalformedTlvError(f"BER-TLV length {n} too large")
    return bytes((0x80 | size,)) + n.to_bytes(size, "big")


def encode_ber_tlv(tag: int, value: bytes) -> bytes:
    if tag <= 0:
        raise MalformedTlvError(f"invalid BER-TLV tag {tag!r}")
    tag_bytes = tag.to_bytes((tag.bit_length() + 7) // 8, "big")
    return tag_bytes + _encode_length(len(value)) + value


def _read_ber(raw: bytes, pos: int) -> tuple[BerTlv, int]:
    start = pos
    if pos >= len(raw):
        raise MalformedTlvError("BER-TLV truncated before tag")
    first = raw[pos]
    pos += 1
    if first & 0x1F == 0x1F:
        while True:
            if pos >= len(raw):
                raise MalformedTlvError("BER-TLV truncated in multi-byte tag")
            b = raw[pos]
            pos += 1
            if pos - start > 4:
                raise MalformedTlvError("BER-TLV tag longer than 4 bytes")
            if not b & 0x80:
                break
    tag = int.from_bytes(raw[start:pos], "big")
    if pos >= len(raw):
        raise MalformedTlvError(f"BER-TLV tag {tag:X} truncated before length")
    n = raw[pos]
    pos += 1
    if n & 0x80:
        size = n & 0x7F
        if size == 0 or size > 3:
            raise MalformedTlvError(f"unsupported BER-TLV length form {n:02X}")
        if pos + size > len(raw):
            raise MalformedTlvError(f"BER-TLV tag {tag:X} truncated in length")
        n = int.from_bytes(raw[pos : pos + size], "big")
        pos += size
    if pos + n > len(raw):
        raise MalformedTlvError(f"BER-TLV value of tag {tag:X} truncated")
    return BerTlv(tag, bytes(raw[pos : pos + n])), pos + n


def parse_ber_tlvs(raw: bytes) -> list[BerTlv]:
    """All top-level objects of ``raw``; padding bytes 00 and FF between objects are skipped."""
    out: list[BerTlv] = []
    pos = 0
    while pos < len(raw):
        if raw[pos] in (0x00, 0xFF):
            pos += 1
            continue
        tlv, pos = _read_ber(raw, pos)
        out.append(tlv)
    return out


def find_ber_tlv(tlvs: list[BerTlv], tag: int) -> BerTlv | None:
    """Depth-first search for ``tag`` in a list of objects and their children."""
    # An explicit stack: a card's answer nested thousands deep must not hit the recursion limit.
    pending = list(reversed(tlvs))
    while pending:
        tlv = pending.pop()
        if tlv.tag == tag:
            return tlv
        if tlv.constructed:
            pending.extend(reversed(tlv.children()))
    return None
