"""Soft SSC cards saved as readable JSON files, so a card remembers PIN tries and writes.

The file (version 2, ``indent=2``)::

    {
      "format": "sscard-soft-ssc",
      "version": 2,
      "generation": "3.00",
      "protocol": "T0",
      "chip": {"serial": "1A2B3C4D", "city_code": "3201"},
      "records": {"EF05": ["0110…", …], "EF06": […]},   # each record hex, whole TLV
      "photo": "/9j/4AAQ…",                           # EF08 base64, trailing 00 dropped
      "pin": {"value": "123456", "tries_left": 3},    # the PIN block as stored, hex
      "keys": {"IRK": {"version": 1, "value": "…", "tries_left": 5}, …}
    }

``keys`` holds the card keys (IRK, RKSSSE, UK, PRK) as the chip's memory holds them, in
clear hex: a card file is a simulated chip, so keep it like one (files are written
readable by their owner only). Version 1 files (before card keys) still load, as cards
without keys; saving writes version 2.

``load_card`` raises CardStateError (a ValueError) naming the file and what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from keys.algorithms import KeyPurpose
from keys.files import UnfitFile, read_bounded
from simulators.card.filesystem import PHOTO_FILE_SIZE, RECORD_FILES
from simulators.card.keyring import CARD_KEY_ORDER, StoredKey
from simulators.card.memory import CardMemory
from simulators.card.ssc import SoftSocialSecurityCard

FORMAT = "sscard-soft-ssc"
VERSION = 2
READABLE_VERSIONS = (1, 2)
# A card file is about 3 KB (a 16 KiB photo makes it 25 KB); a PSAM's or an export's less.
MAX_STATE_FILE_BYTES = 1024 * 1024


class CardStateError(ValueError):
    """A card file that cannot be loaded: unreadable, corrupt, or of another version."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


def _file_key(fid: int) -> str:
    return f"EF{fid:02X}"


def card_to_json(card: SoftSocialSecurityCard) -> dict[str, Any]:
    """The JSON document of a card's non-volatile memory and protocol."""
    memory = card.memory
    return {
        "format": FORMAT,
        "version": VERSION,
        "generation": memory.generation,
        "protocol": card.protocol,
        "chip": {"serial": memory.chip_serial.hex().upper(), "city_code": memory.city_code},
        "records": {
            _file_key(fid): [r.hex().upper() for r in memory.records[fid]] for fid in RECORD_FILES
        },
        "photo": base64.b64encode(memory.photo.rstrip(b"\x00")).decode("ascii"),
        "pin": {"value": memory.pin.hex().upper(), "tries_left": memory.pin_tries_left},
        "keys": {
            purpose.value: {
                "version": key.version,
                "value": key.value.hex().upper(),
                "tries_left": key.tries_left,
            }
            for purpose, key in ((p, memory.keys.get(p)) for p in CARD_KEY_ORDER)
            if key is not None
        },
    }


def save_card(card: SoftSocialSecurityCard, path: str | os.PathLike[str]) -> None:
    """Write the card to ``path`` atomically: a reader sees the old file or the new one."""
    write_json_atomically(path, card_to_json(card))


def write_json_atomically(path: str | os.PathLike[str], document: dict[str, Any]) -> None:
    """Write ``document`` as indented JSON to ``path`` atomically, readable by its owner only."""
    target = Path(path)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.chmod(temp, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def saving_to(path: str | os.PathLike[str]) -> Callable[[SoftSocialSecurityCard], None]:
    """An ``on_change`` callback that saves the card to ``path`` after every change."""
    target = Path(path)

    def save(card: SoftSocialSecurityCard) -> None:
        save_card(card, target)

    return save


class JsonFields:
    """Typed access to a parsed state document; every problem becomes a CardStateError."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, problem: str) -> CardStateError:
        return CardStateError(self.path, problem)

    def get(self, obj: object, key: str, kind: type[Any]) -> Any:
        if not isinstance(obj, dict) or key not in obj:
            raise self.fail(f"missing field {key!r}")
        value = obj[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"field {key!r} must be {kind.__name__}, got {type(value).__name__}")
        return value

    def hex(self, text: str, what: str, *, secret: bool = False) -> bytes:
        try:
            return bytes.fromhex(text)
        except ValueError:
            shown = "" if secret else f": {text!r}"
            raise self.fail(f"{what} is not hex{shown}") from None

    def base64(self, text: str, what: str) -> bytes:
        try:
            return base64.b64decode(text, validate=True)
        except binascii.Error:
            raise self.fail(f"{what} is not base64") from None


def card_from_json(
    document: object,
    path: Path,
    *,
    on_change: Callable[[SoftSocialSecurityCard], None] | None = None,
) -> SoftSocialSecurityCard:
    """Rebuild a card from its JSON document; ``path`` only names the source in errors."""
    r = JsonFields(path)
    if r.get(document, "format", str) != FORMAT:
        raise r.fail(f"not a soft SSC card file (format is not {FORMAT!r})")
    version = r.get(document, "version", int)
    if version not in READABLE_VERSIONS:
        raise r.fail(f"unsupported version {version} (this program reads versions 1 and 2)")
    protocol = r.get(document, "protocol", str)
    if protocol not in ("T0", "T1"):
        raise r.fail(f"protocol must be 'T0' or 'T1', got {protocol!r}")
    chip = r.get(document, "chip", dict)
    stored = r.get(document, "records", dict)
    records: dict[int, list[bytes]] = {}
    for fid in RECORD_FILES:
        key = _file_key(fid)
        hexes = r.get(stored, key, list)
        if not all(isinstance(h, str) for h in hexes):
            raise r.fail(f"records of {key} must be hex strings")
        records[fid] = [r.hex(h, f"a record of {key}") for h in hexes]
    photo = r.base64(r.get(document, "photo", str), "photo")
    if len(photo) > PHOTO_FILE_SIZE:
        raise r.fail(f"photo of {len(photo)} bytes exceeds EF08 ({PHOTO_FILE_SIZE})")
    pin = r.get(document, "pin", dict)
    generation = r.get(document, "generation", str)
    chip_serial = r.hex(r.get(chip, "serial", str), "chip serial")
    city_code = r.get(chip, "city_code", str)
    pin_block = r.hex(r.get(pin, "value", str), "PIN")
    tries_left = r.get(pin, "tries_left", int)
    card_keys = _card_keys(r, r.get(document, "keys", dict)) if version >= 2 else {}
    try:
        memory = CardMemory(
            generation,
            chip_serial,
            city_code,
            records,
            photo.ljust(PHOTO_FILE_SIZE, b"\x00"),
            pin_block,
            tries_left,
            card_keys,
        )
    except ValueError as exc:
        raise r.fail(str(exc)) from None
    return SoftSocialSecurityCard(memory, protocol=protocol, on_change=on_change)


def _card_keys(r: JsonFields, stored: dict[str, Any]) -> dict[KeyPurpose, StoredKey]:
    card_keys: dict[KeyPurpose, StoredKey] = {}
    for name, entry in stored.items():
        try:
            purpose = KeyPurpose(name)
        except ValueError:
            raise r.fail(f"unknown card key {name!r}") from None
        value = r.hex(r.get(entry, "value", str), f"key {name}", secret=True)
        try:
            card_keys[purpose] = StoredKey(
                value, r.get(entry, "version", int), r.get(entry, "tries_left", int)
            )
        except ValueError as exc:
            raise r.fail(f"key {name}: {exc}") from None
    return card_keys


def read_json_document(
    path: str | os.PathLike[str], what: str = "soft card file"
) -> tuple[Path, object]:
    """The parsed JSON of a state file (``what`` names its kind); CardStateError naming the
    file if it is unreadable, not a regular file, or larger than any state file."""
    source = Path(path)
    try:
        text = read_bounded(source, MAX_STATE_FILE_BYTES, what).decode("utf-8")
    except UnfitFile as exc:
        raise CardStateError(source, f"not a {what}: {exc.reason}") from None
    except OSError as exc:
        raise CardStateError(source, f"cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError:
        raise CardStateError(source, "not UTF-8 text") from None
    try:
        return source, json.loads(text)
    except json.JSONDecodeError as exc:
        raise CardStateError(source, f"not JSON ({exc.msg} at line {exc.lineno})") from None


def load_card(path: str | os.PathLike[str], *, autosave: bool = True) -> SoftSocialSecurityCard:
    """Load a card saved by ``save_card``; with ``autosave`` it saves itself back on change."""
    source, document = read_json_document(path)
    return card_from_json(document, source, on_change=saving_to(source) if autosave else None)
