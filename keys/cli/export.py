"""``export-psam``: the PSAM keys, wrapped under a transport key, in a new file.

The file (format ``sscard-psam-keys/1``) lists each IRK, RKSSSE and UK key with its KCV
and its value wrapped (RFC 3394) under the transport key; it is written once, readable by
its owner only, and never over an existing file. The ceremony log records the keys, the
transport key and the file's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import click

from keys.algorithms import PSAM_KEY_PURPOSES
from keys.cli.command import CeremonyCommand
from keys.cli.errors import CeremonyFailed
from keys.cli.options import StoreChoice
from keys.cli.output import describe, say
from keys.cli.stores import ceremony
from keys.store import KeyInfo, KeyRef, KeyStore, find, latest

EXPORT_FORMAT = "sscard-psam-keys/1"


@click.command("export-psam", cls=CeremonyCommand, short_help="Export the PSAM keys, wrapped.")
@click.option("--transport", required=True, metavar="LABEL", help="Label of the transport key.")
@click.option(
    "--transport-version",
    type=click.IntRange(1, 3),
    metavar="VERSION",
    show_default="its latest version",
    help="Version of the transport key.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The export file to write; it must not exist yet.",
)
def export_psam(
    where: StoreChoice, transport: str, transport_version: int | None, out: Path
) -> None:
    """Export the PSAM keys (IRK, RKSSSE, UK), wrapped under a transport key."""
    with ceremony(where, "psam-keys-exported", {"file": str(out)}) as (step, store):
        infos = store.list_keys()
        version = transport_version or latest(infos, transport).version
        wrapping = find(infos, KeyRef(transport, version))
        exported = [info for info in infos if info.purpose in PSAM_KEY_PURPOSES]
        if not exported:
            raise CeremonyFailed(
                "the store holds no PSAM keys (IRK, RKSSSE, UK)",
                "generate or import them first",
            )
        raw = _document(store, wrapping, exported)
        _write_new(out, raw)
        step.details.update(
            store=repr(store),
            transport=f"{wrapping.ref} KCV {wrapping.kcv.hex().upper()}",
            keys=[f"{info.ref} KCV {info.kcv.hex().upper()}" for info in exported],
            file_sha256=hashlib.sha256(raw).hexdigest(),
        )
    keys = "1 PSAM key" if len(exported) == 1 else f"{len(exported)} PSAM keys"
    say(f"exported {keys} to {out}, wrapped under {describe(wrapping)}")


def _document(store: KeyStore, transport: KeyInfo, exported: list[KeyInfo]) -> bytes:
    document = {
        "format": EXPORT_FORMAT,
        "wrapping": f"RFC 3394 key wrap under {transport.algorithm}",
        "transport": transport.describe(),
        "keys": [
            {
                **info.describe(),
                "wrapped": store.export_wrapped(info.ref, transport.ref).hex().upper(),
            }
            for info in exported
        ],
    }
    return json.dumps(document, indent=1).encode() + b"\n"


def _write_new(path: Path, raw: bytes) -> None:
    """Write ``raw`` to a new file readable by its owner only (``FileExistsError`` if one
    is there: an export is never overwritten); removed again if writing fails."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(raw)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        path.unlink()  # no half-written export is left behind
        raise


COMMANDS: list[click.Command] = [export_psam]
