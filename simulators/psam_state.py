"""Soft PSAMs saved as JSON files, like soft cards (``simulators.card.state``).

The file (version 1)::

    {
      "format": "sscard-soft-psam",
      "version": 1,
      "protocol": "T0",
      "serial": "50534D01",
      "terminal_number": "320100000001",
      "keys": [{"purpose": "IRK", "algorithm": "SM4", "version": 1, "value": "…"}, …]
    }

A soft PSAM file holds the province's master keys in clear, as the chip of a real PSAM
does: it is a simulator for synthetic provinces (``simulators.province``), written
readable by its owner only. A real deployment keeps its keys in real PSAMs or an HSM.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from keys.algorithms import Algorithm, KeyPurpose
from simulators.card.state import (
    CardStateError,
    JsonFields,
    read_json_document,
    write_json_atomically,
)
from simulators.psam import PsamMemory, SoftPsam
from simulators.psam_keys import PsamKey

FORMAT = "sscard-soft-psam"
VERSION = 1


def psam_to_json(psam: SoftPsam) -> dict[str, Any]:
    """The JSON document of a PSAM's memory and protocol."""
    memory = psam.memory
    return {
        "format": FORMAT,
        "version": VERSION,
        "protocol": psam.protocol,
        "serial": memory.serial.hex().upper(),
        "terminal_number": memory.terminal_number,
        "keys": [
            {
                "purpose": key.purpose.value,
                "algorithm": key.algorithm.value,
                "version": key.version,
                "value": key.value.hex().upper(),
            }
            for key in memory.keys
        ],
    }


def save_psam(psam: SoftPsam, path: str | os.PathLike[str]) -> None:
    """Write the PSAM to ``path`` atomically, readable by its owner only."""
    write_json_atomically(path, psam_to_json(psam))


def psam_from_json(document: object, path: Path) -> SoftPsam:
    """Rebuild a PSAM from its JSON document; ``path`` only names the source in errors."""
    r = JsonFields(path)
    if r.get(document, "format", str) != FORMAT:
        raise r.fail(f"not a soft PSAM file (format is not {FORMAT!r})")
    version = r.get(document, "version", int)
    if version != VERSION:
        raise r.fail(f"unsupported version {version} (this program reads version {VERSION})")
    protocol = r.get(document, "protocol", str)
    if protocol not in ("T0", "T1"):
        raise r.fail(f"protocol must be 'T0' or 'T1', got {protocol!r}")
    keys = []
    for number, entry in enumerate(r.get(document, "keys", list), start=1):
        try:
            keys.append(
                PsamKey(
                    KeyPurpose(r.get(entry, "purpose", str)),
                    Algorithm(r.get(entry, "algorithm", str)),
                    r.get(entry, "version", int),
                    r.hex(r.get(entry, "value", str), f"key {number}", secret=True),
                )
            )
        except ValueError as exc:
            if isinstance(exc, CardStateError):
                raise
            raise r.fail(f"key {number}: {exc}") from None
    try:
        memory = PsamMemory(
            r.hex(r.get(document, "serial", str), "serial"),
            r.get(document, "terminal_number", str),
            keys,
        )
    except ValueError as exc:
        raise r.fail(str(exc)) from None
    return SoftPsam(memory, protocol=protocol)


def load_psam(path: str | os.PathLike[str]) -> SoftPsam:
    """Load a PSAM saved by ``save_psam`` (CardStateError names the file and the problem)."""
    source, document = read_json_document(path, "soft PSAM file")
    return psam_from_json(document, source)
