"""``sscard-read``: list readers, read a social security card, trace its APDUs, diagnose PC/SC.

sscard-read list                                   readers pcscd sees
sscard-read read --reader NAME [--format pipe|json]  read the card in a PC/SC reader
sscard-read read --serial PORT                     read the card in a serial window reader
sscard-read read --card-file FILE                  read a soft card file (no reader)
    [--psam-reader NAME | --psam-file FILE]        check the card is genuine with a PSAM
sscard-read trace --reader NAME | --card-file FILE   the read's APDUs, PIN and personal data masked
    [--psam-reader NAME | --psam-file FILE]        … and the PSAM's APDUs, labelled PSAM
sscard-read doctor                                 is pcscd reachable, readers, access, drivers
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from readers.backends import BackendNotAvailableError, open_backend
from readers.card.errors import PsamError, SocialSecurityCardError
from readers.card.identify import Identification, identify
from readers.card.models import CardHolder, CardInfo
from readers.card.pipe import basic_card_record
from readers.card.psam import PsamAuthenticator
from readers.card.regions import describe_region
from readers.card.session import SocialSecurityCardSession
from readers.connection import NoCardError, ReaderBackend, ReaderError, atomically
from readers.iso7816.atr import parse_atr
from readers.iso7816.errors import Iso7816Error
from readers.iso7816.processors import Transmitter
from readers.trace import TracingTransmitter

SOFT_CARD_BACKEND = "soft-card-file"
SOFT_PSAM_BACKEND = "soft-psam-file"
PCSC_BACKEND = "pcsc"
SERIAL_BACKEND = "serial"
PSAM_LABEL = "PSAM"  # starts the PSAM's lines in a trace


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sscard-read",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the PC/SC readers")
    read = commands.add_parser("read", help="read one card and print it")
    _source_options(read)
    _psam_options(read)
    read.add_argument("--format", choices=("pipe", "json"), default="pipe")
    read.add_argument("--pin", help="verify this PIN before reading")
    read.add_argument("--photo-out", type=Path, help="write the holder's photo (JPEG) here")
    trace = commands.add_parser(
        "trace",
        help="read one card and print its APDUs, and the PSAM's labelled PSAM "
        "(PIN and personal data masked)",
    )
    _source_options(trace)
    _psam_options(trace)
    trace.add_argument("--pin", help="verify this PIN first (it is masked in the trace)")
    commands.add_parser("doctor", help="check pcscd, readers, access rights and drivers")
    return parser


def _source_options(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--reader", help="a PC/SC reader name (see `sscard-read list`)")
    source.add_argument(
        "--serial", metavar="PORT", help="a serial window reader: /dev/ttyUSB0, a pty, sim://…"
    )
    source.add_argument("--card-file", type=Path, help="a soft card file (sscard-sim card create)")


def _psam_options(parser: argparse.ArgumentParser) -> None:
    psam = parser.add_mutually_exclusive_group()
    psam.add_argument("--psam-reader", help="PC/SC reader holding the PSAM (genuine-card check)")
    psam.add_argument("--psam-file", type=Path, help="a soft PSAM file (sscard-sim psam create)")


def _open_psam(
    args: argparse.Namespace,
    stack: contextlib.ExitStack[bool | None],
    trace: Callable[[str], None] | None = None,
) -> PsamAuthenticator | None:
    """The PSAM that ``--psam-reader`` or ``--psam-file`` names, or None without one.

    With ``trace``, the PSAM's APDUs go to it too, labelled ``PSAM``.
    """
    if args.psam_file is not None:
        backend = open_backend(SOFT_PSAM_BACKEND, psam_file=args.psam_file)
        reader = backend.list_readers()[0]
    elif args.psam_reader is not None:
        backend, reader = open_backend(PCSC_BACKEND), args.psam_reader
    else:
        return None
    try:
        connection = stack.enter_context(backend.connect(reader))
    except NoCardError:
        raise PsamError(f"no PSAM in reader {reader!r}") from None
    if trace is None:
        return PsamAuthenticator(connection)
    trace(f"# {reader} (PSAM): ATR {connection.atr.hex(' ').upper()}, {connection.protocol}")
    return PsamAuthenticator(TracingTransmitter(connection, trace, label=PSAM_LABEL))


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


def _open_source(args: argparse.Namespace) -> tuple[ReaderBackend, str]:
    """The backend and reader that ``--reader``, ``--serial`` or ``--card-file`` name."""
    if args.reader is not None:
        return open_backend(PCSC_BACKEND), args.reader
    if args.serial is not None:
        backend = open_backend(SERIAL_BACKEND, url=args.serial)
    else:
        backend = open_backend(SOFT_CARD_BACKEND, card_file=args.card_file)
    readers = backend.list_readers()
    if not readers:
        raise ReaderError("no reader found")
    return backend, readers[0]


def _read_card(
    transmitter: Transmitter, pin: str | None, authenticator: PsamAuthenticator | None
) -> Identification:
    session = SocialSecurityCardSession(transmitter, authenticator)
    if pin:
        session.verify_pin(pin)
    result = identify(session)
    if not result.genuine:
        print(f"sscard-read: WARNING: {result.genuineness}", file=sys.stderr)
    if result.holder is None:
        print(
            "sscard-read: the card withholds holder data until read authentication "
            "(give --psam-reader or --psam-file); holder fields are left empty",
            file=sys.stderr,
        )
    return result


def _read(args: argparse.Namespace) -> str:
    backend, reader = _open_source(args)
    with contextlib.ExitStack() as stack:
        authenticator = _open_psam(args, stack)
        connection = stack.enter_context(backend.connect(reader))
        stack.enter_context(atomically(connection))
        result = _read_card(connection, args.pin, authenticator)
        atr = connection.atr
    if args.photo_out:
        args.photo_out.write_bytes(result.photo)
    if args.format == "json":
        out = _card_json(result.card, result.holder, result.photo, atr)
        out["genuine"] = {
            "checked": result.genuine,
            "by": result.checked_by,
            "note": result.genuineness,
        }
        return json.dumps(out, ensure_ascii=False, indent=2)
    terminal = authenticator.terminal_number if authenticator else ""
    historical = parse_atr(atr).historical_bytes
    record = basic_card_record(result.card, result.holder, historical, terminal_number=terminal)
    return record.to_pipe()


def _trace(args: argparse.Namespace) -> str:
    backend, reader = _open_source(args)
    lines: list[str] = []

    def emit(line: str) -> None:
        lines.append(line)
        print(line)

    with contextlib.ExitStack() as stack:
        authenticator = _open_psam(args, stack, emit)
        connection = stack.enter_context(backend.connect(reader))
        stack.enter_context(atomically(connection))
        emit(f"# {reader}: ATR {connection.atr.hex(' ').upper()}, {connection.protocol}")
        _read_card(TracingTransmitter(connection, emit), args.pin, authenticator)
    commands = sum(1 for line in lines if line.startswith(">"))
    if authenticator is None:
        return f"# {commands} APDUs"
    psam_commands = sum(1 for line in lines if line.startswith(f"{PSAM_LABEL}>"))
    return f"# {commands} APDUs to the card, {psam_commands} to the PSAM"


def _list() -> str:
    readers = open_backend(PCSC_BACKEND).list_readers()
    return "\n".join(readers) if readers else "# no reader"


def _doctor() -> int:
    # Imported here: the other commands work without the [pcsc] extra (pyscard).
    from readers.pcsc import doctor
    from readers.pcsc.api import PyscardApi

    api = PyscardApi()
    service, readers = doctor.check_service(api)
    findings = [doctor.check_socket(), service]
    if service.ok:
        findings.append(doctor.check_readers(api, readers))
    findings.append(doctor.check_drivers())
    for finding in findings:
        print(f"{'ok  ' if finding.ok else 'FAIL'} {finding.check}: {finding.detail}")
        if finding.hint:
            print(f"     hint: {finding.hint}")
    return 0 if all(finding.ok for finding in findings) else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "doctor":
            return _doctor()
        if args.command == "list":
            print(_list())
        elif args.command == "trace":
            print(_trace(args))
        else:
            print(_read(args))
    except SocialSecurityCardError as exc:
        print(f"sscard-read: error {exc.code}: {exc}", file=sys.stderr)
        return 2
    except (
        ReaderError,
        Iso7816Error,
        BackendNotAvailableError,
        ImportError,
        OSError,
        ValueError,
    ) as exc:
        print(f"sscard-read: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
