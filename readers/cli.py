"""``sscard-read``: read a social security card and print what it holds."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from readers.backends import BackendNotAvailableError, open_backend
from readers.card.errors import SecurityStatusNotSatisfied, SocialSecurityCardError
from readers.card.models import CardHolder, CardInfo
from readers.card.pipe import basic_card_record
from readers.card.regions import describe_region
from readers.card.session import SocialSecurityCardSession
from readers.connection import ReaderBackend, ReaderError
from readers.iso7816.atr import parse_atr
from readers.iso7816.errors import Iso7816Error

SOFT_CARD_BACKEND = "soft-card-file"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sscard-read", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    read = commands.add_parser("read", help="read one card and print it")
    source = read.add_mutually_exclusive_group(required=True)
    source.add_argument("--card-file", type=Path, help="a soft card file (sscard-sim card create)")
    read.add_argument("--format", choices=("pipe", "json"), default="pipe")
    read.add_argument("--pin", help="verify this PIN before reading")
    read.add_argument("--photo-out", type=Path, help="write the holder's photo (JPEG) here")
    return parser


def _card_json(
    card: CardInfo, holder: CardHolder | None, photo: bytes, atr: bytes
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "card": {
            "region_code": card.region_code,
            "region_name": describe_region(card.region_code),
            "card_identification_code": card.card_identification_code.hex().upper(),
            "card_type": card.card_type,
            "generation": card.generation,
            "initialising_organisation": card.initialising_organisation,
            "issue_date": card.issue_date.isoformat(),
            "expiry_date": card.expiry_date.isoformat(),
            "card_number": card.card_number,
            "atr": atr.hex().upper(),
        },
        "holder": None,
        "photo": {"bytes": len(photo), "sha256": hashlib.sha256(photo).hexdigest()},
    }
    if holder is not None:
        out["holder"] = {
            "social_security_number": holder.social_security_number,
            "name": holder.name,
            "sex": holder.sex.value,
            "sex_label": holder.sex.label,
            "ethnic_group": holder.ethnic_group,
            "ethnic_group_name": holder.ethnic_group_name,
            "birthplace": holder.birthplace,
            "birthplace_name": describe_region(holder.birthplace),
            "birth_date": holder.birth_date.isoformat(),
        }
    return out


def _read(backend: ReaderBackend, args: argparse.Namespace) -> str:
    readers = backend.list_readers()
    if not readers:
        raise ReaderError("no reader found")
    with backend.connect(readers[0]) as connection:
        session = SocialSecurityCardSession(connection)
        if args.pin:
            session.verify_pin(args.pin)
        card = session.read_card_info()
        holder: CardHolder | None = None
        try:
            holder = session.read_holder()
        except SecurityStatusNotSatisfied:
            print(
                "sscard-read: the card withholds holder data until read authentication; "
                "holder fields are left empty",
                file=sys.stderr,
            )
        photo = session.read_photo()
        atr = connection.atr
    if args.photo_out:
        args.photo_out.write_bytes(photo)
    if args.format == "json":
        return json.dumps(_card_json(card, holder, photo, atr), ensure_ascii=False, indent=2)
    return basic_card_record(card, holder, parse_atr(atr).historical_bytes).to_pipe()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        backend = open_backend(SOFT_CARD_BACKEND, card_file=args.card_file)
        print(_read(backend, args))
    except SocialSecurityCardError as exc:
        print(f"sscard-read: error {exc.code}: {exc}", file=sys.stderr)
        return 2
    except (ReaderError, Iso7816Error, BackendNotAvailableError, OSError, ValueError) as exc:
        print(f"sscard-read: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
