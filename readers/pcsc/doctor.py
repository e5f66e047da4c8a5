"""Checks behind ``sscard-read doctor``: why does this machine not see a card?

Each check returns a ``Finding`` (ok or not, what was seen, and a hint when not ok):
the pcscd socket, a PC/SC context (service down or access denied), the readers and what
is in them, and the reader drivers pcscd can load (``/etc/reader.conf.d`` for serial and
virtual readers such as vpcd, ``/usr/lib/pcsc/drivers/*.bundle`` for USB ones like CCID).
Paths are parameters so tests can point them elsewhere.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from readers.pcsc import codes
from readers.pcsc.api import ScardApi

PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
READER_CONF_DIR = Path("/etc/reader.conf.d")
DRIVERS_DIR = Path("/usr/lib/pcsc/drivers")


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str
    hint: str = ""


def check_socket(path: Path = PCSCD_SOCKET) -> Finding:
    """Is pcscd's socket there, and may this user open it?"""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return Finding(
            "pcscd socket",
            False,
            f"{path} does not exist: pcscd is not running",
            "start it: sudo systemctl start pcscd.socket (or: sudo pcscd)",
        )
    if not stat.S_ISSOCK(mode):
        return Finding("pcscd socket", False, f"{path} is not a socket")
    if not os.access(path, os.R_OK | os.W_OK):
        return Finding(
            "pcscd socket",
            False,
            f"{path} exists but this user may not open it",
            "run as a user allowed by the socket's permissions (or polkit rules)",
        )
    return Finding("pcscd socket", True, f"{path}")


def check_service(api: ScardApi) -> tuple[Finding, list[str]]:
    """Can we get a PC/SC context and list readers? Returns the finding and the readers."""
    code, context = api.establish_context()
    name = codes.code_name(code)
    if code != codes.SUCCESS:
        hint = {
            "SCARD_E_NO_SERVICE": "pcscd is not running or not reachable: start pcscd",
            "SCARD_E_NO_ACCESS": "access denied by pcscd (polkit): ask for the pcscd "
            "polkit rule for this user, or run the terminal as the allowed user",
        }.get(
            name, "see pcscd's log (journalctl -u pcscd), or run it in the foreground: pcscd -f -d"
        )
        return Finding("PC/SC service", False, f"no context: {name}", hint), []
    try:
        code, readers = api.list_readers(context)
    finally:
        api.release_context(context)
    name = codes.code_name(code)
    if name == "SCARD_E_NO_READERS_AVAILABLE":
        readers = []
    elif code != codes.SUCCESS:
        return Finding("PC/SC service", False, f"listing readers failed: {name}"), []
    return Finding("PC/SC service", True, "pcscd answers"), readers


def check_readers(api: ScardApi, readers: list[str]) -> Finding:
    """Which readers are visible, and is there a card in each?"""
    if not readers:
        return Finding(
            "readers",
            False,
            "pcscd sees no reader",
            "plug the reader in (lsusb lists it), check its driver below, or for the "
            "simulator run sscard-sim vpcd --card FILE",
        )
    code, context = api.establish_context()
    if code != codes.SUCCESS:
        return Finding("readers", False, f"no context: {codes.code_name(code)}")
    try:
        code, states = api.get_status_change(
            context, 0, [(reader, codes.STATE_UNAWARE) for reader in readers]
        )
    finally:
        api.release_context(context)
    if code != codes.SUCCESS:
        return Finding("readers", True, f"{', '.join(readers)} (state: {codes.code_name(code)})")
    parts = []
    for state in states:
        if state.event_state & codes.STATE_PRESENT:
            parts.append(f"{state.reader}: card, ATR {state.atr.hex(' ').upper()}")
        else:
            parts.append(f"{state.reader}: empty")
    return Finding("readers", True, "; ".join(parts))


def check_drivers(
    reader_conf_dir: Path = READER_CONF_DIR, drivers_dir: Path = DRIVERS_DIR
) -> Finding:
    """The drivers pcscd can load: reader.conf.d entries and USB driver bundles."""
    found: list[str] = []
    for conf in sorted(reader_conf_dir.glob("*")) if reader_conf_dir.is_dir() else []:
        fields = _reader_conf_fields(conf)
        library = fields.get("LIBPATH")
        if library is None:
            continue  # a template with every line commented out
        present = "" if Path(library).exists() else " (library missing!)"
        found.append(f"{conf.name}: {fields.get('FRIENDLYNAME', '?')} → {library}{present}")
    if drivers_dir.is_dir():
        found += [f"USB bundle {bundle.name}" for bundle in sorted(drivers_dir.glob("*.bundle"))]
    if not found:
        return Finding(
            "drivers",
            False,
            f"no reader driver in {reader_conf_dir} or {drivers_dir}",
            "install the reader's driver (most USB readers: Debian package libccid)",
        )
    return Finding("drivers", True, "; ".join(found))


def _reader_conf_fields(path: Path) -> dict[str, str]:
    fields: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return fields
    for line in lines:
        key, _, value = line.strip().partition(" ")
        if key and not key.startswith("#"):
            fields[key] = value.strip().strip('"')
    return fields
