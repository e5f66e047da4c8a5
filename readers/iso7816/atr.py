"""Answer-to-reset parsing (ISO/IEC 7816-3 §8): enough to find the historical bytes."""

from __future__ import annotations

from dataclasses import dataclass

from readers.iso7816.errors import FormatError


class MalformedAtrError(FormatError):
    pass


@dataclass(frozen=True)
class Atr:
    raw: bytes
    protocols: tuple[int, ...]
    historical_bytes: bytes


def parse_atr(raw: bytes) -> Atr:
    """Split an ATR into its interface bytes, protocols and historical bytes."""
    raw = bytes(raw)
    if len(raw) < 2 or raw[0] not in (0x3B, 0x3F):
        raise MalformedAtrError(f"not an ATR: {raw.hex().upper()}")
    k = raw[1] & 0x0F
    y = raw[1] >> 4
    pos = 2
    protocols: list[int] = []
    while True:
        pos += bin(y & 0x07).count("1")  # TA, TB, TC present
        if not y & 0x08:
            break
        if pos >= len(raw):
            raise MalformedAtrError("ATR truncated in its interface bytes")
        td = raw[pos]
        pos += 1
        protocols.append(td & 0x0F)
        y = td >> 4
    end = pos + k
    needs_tck = any(p != 0 for p in protocols)
    if len(raw) < end + (1 if needs_tck else 0):
        raise MalformedAtrError(f"ATR announces {k} historical bytes but is too short")
    return Atr(raw, tuple(protocols) or (0,), raw[pos:end])
