"""Field codecs of the SSC records: ``cn`` (BCD, left aligned, F-padded) and ``an`` (GBK text)."""

from __future__ import annotations

from readers.iso7816.errors import FieldCodecError

AN_PADDING = (0x00, 0xFF)


def encode_cn(digits: str, length: int) -> bytes:
    """Pack decimal digits as BCD into ``length`` bytes, padding with nibble F.

    No digits give an all-F field, the empty value ``decode_cn`` reads back.
    """
    if digits and not (digits.isascii() and digits.isdigit()):
        raise FieldCodecError(f"cn field takes decimal digits only, got {len(digits)} characters")
    if len(digits) > 2 * length:
        raise FieldCodecError(f"{len(digits)} digits do not fit a cn field of {length} bytes")
    return bytes.fromhex(digits.ljust(2 * length, "F"))


def decode_cn(raw: bytes) -> str:
    """The digits of a BCD field; nibbles after the first F must all be F."""
    text = raw.hex().upper()
    digits, _, padding = text.partition("F")
    if not digits.isdigit() and digits:
        raise FieldCodecError(f"cn field holds a non-BCD nibble: {text}")
    if padding.strip("F"):
        raise FieldCodecError(f"cn field has data after its F padding: {text}")
    return digits


def encode_an(text: str, length: int, *, encoding: str = "gbk", pad: int = 0x00) -> bytes:
    """Encode text (GBK by default), left aligned and padded to ``length`` bytes."""
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError as exc:
        raise FieldCodecError(f"text cannot be encoded in {encoding}: {exc.reason}") from None
    if len(raw) > length:
        raise FieldCodecError(f"text of {len(raw)} bytes does not fit an field of {length}")
    return raw + bytes((pad,)) * (length - len(raw))


def decode_an(raw: bytes, *, encoding: str = "gbk") -> str:
    """Decode an ``an`` field, dropping trailing 00 or FF padding."""
    end = len(raw)
    while end and raw[end - 1] in AN_PADDING:
        end -= 1
    try:
        return raw[:end].decode(encoding)
    except UnicodeDecodeError as exc:
        raise FieldCodecError(f"an field is not valid {encoding}: {exc.reason}") from None
