"""Where a JPEG ends, so a photo file larger than its photo is read only as far as needed."""

from __future__ import annotations

SOI = b"\xff\xd8"
_SOS = 0xDA
_EOI = 0xD9
# Markers without a length field: TEM and RST0-7 (SOI and EOI are handled apart).
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def jpeg_end(data: bytes) -> int | None:
    """The length of the JPEG at the start of ``data``, or None if it does not end in ``data``.

    Walks the marker segments (so an EXIF thumbnail's own end marker is skipped) and then
    the entropy-coded data, where a real ``FF`` is stuffed as ``FF 00``.
    """
    if not data.startswith(SOI):
        return None
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == _EOI:
            return pos + 2
        if marker in _STANDALONE:
            pos += 2
            continue
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == _SOS:
            return _end_of_scan(data, pos)
    return None


def _end_of_scan(data: bytes, pos: int) -> int | None:
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            return None
        following = data[pos + 1]
        if following == _EOI:
            return pos + 2
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos += 1 if following == 0xFF else 2
            continue
        # Another marker after the scan (a progressive JPEG's next segment).
        end = jpeg_end(SOI + data[pos:])
        return None if end is None else pos + end - 2
