"""``sscard-read read`` and ``sscard-read trace``: one card read, as a window reads it.

The card is in a PC/SC reader (``--reader``), a serial window reader (``--serial``) or a
soft card file (``--card-file``); a PSAM (``--psam-reader`` or ``--psam-file``) checks
it is genuine first. ``trace`` prints the read's APDUs, PINs and personal data masked.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from readers.backends import open_backend
from readers.card.errors import PsamError
from readers.card.identify import Identification, identify
from readers.card.models import CardHolder, CardInfo
from readers.card.pipe import basic_card_record
from readers.card.psam import PsamAuthenticator
from readers.card.regions import describe_region
from readers.card.session import SocialSecurityCardSession
from readers.cli.selection import PSAM_READER_ENV, choose_reader, one_source, optional_source
from readers.cli.selection import reader_option as _reader_option
from readers.cli.toolkit import FILE, Failure, ask_secret, verbosity_option
from readers.connection import CardConnection, NoCardError, ReaderBackend, atomically
from readers.iso7816.atr import parse_atr
from readers.iso7816.processors import Transmitter
from readers.trace import TracingTransmitter

SOFT_CARD_BACKEND = "soft-card-file"
SOFT_PSAM_BACKEND = "soft-psam-file"
PCSC_BACKEND = "pcsc"
SERIAL_BACKEND = "serial"
PSAM_LABEL = "PSAM"  # starts the PSAM's lines in a trace
ASK = "\0ask"  # --pin given without a value: ask for it

logger = logging.getLogger(__name__)
Sink = Callable[[str], None]
F = TypeVar("F", bound=Callable[..., Any])


def _source_options(function: F) -> F:
    options = [
        _reader_option(
            help_text="The PC/SC reader holding the card: its number, as the list command "
            "shows it, or a part of its name only it has."
        ),
        click.option(
            "--serial",
            metavar="PORT",
            help="A serial window reader: /dev/ttyUSB0, a pty, or a pyserial URL.",
        ),
        click.option(
            "--card-file",
            type=FILE,
            help="A soft card file (sscard-sim card create); no reader needed.",
        ),
        _reader_option(
            "--psam-reader",
            envvar=PSAM_READER_ENV,
            help_text="The PC/SC reader holding the PSAM that checks the card is genuine "
            "(a number or a part of its name).",
        ),
        click.option(
            "--psam-file",
            type=FILE,
            help="A soft PSAM file (sscard-sim psam create) to check the card is genuine.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _pin_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--pin",
        is_flag=False,
        flag_value=ASK,
        default=None,
        metavar="[PIN]",
        help=help_text + " --pin alone asks for it without echo (needs a terminal).",
    )


def _pin(pin: str | None) -> str | None:
    return ask_secret("PIN", "--pin", "PIN") if pin == ASK else pin


class _Read:
    """One read's card and PSAM sources, opened in an exit stack."""

    def __init__(self, ctx: click.Context, params: dict[str, Any]) -> None:
        self.card_source = one_source(
            ctx, {name: params[name] for name in ("reader", "serial", "card_file")}
        )
        self.psam_source = optional_source(
            ctx, {name: params[name] for name in ("psam_reader", "psam_file")}
        )
        self._pcsc: ReaderBackend | None = None

    def pcsc(self) -> ReaderBackend:
        if self._pcsc is None:
            self._pcsc = open_backend(PCSC_BACKEND)
        return self._pcsc

    def card_reader(self) -> tuple[ReaderBackend, str]:
        """The backend and reader holding the card."""
        kind, value = self.card_source
        if kind == "reader":
            backend = self.pcsc()
            return backend, choose_reader(backend.list_readers(), value, "--reader")
        if kind == "serial":
            try:
                backend = open_backend(SERIAL_BACKEND, url=value)
            except ValueError as exc:  # pyserial's, for a URL it cannot open
                raise Failure(
                    f"--serial {value}: {exc}; give a serial device such as /dev/ttyUSB0 "
                    "or a pyserial URL (socket://HOST:PORT)"
                ) from None
        else:
            backend = open_backend(SOFT_CARD_BACKEND, card_file=value)
        return backend, backend.list_readers()[0]

    def open_psam(
        self, stack: contextlib.ExitStack[bool | None], sink: Sink | None
    ) -> PsamAuthenticator | None:
        """The PSAM, or None without one; its APDUs go to ``sink`` labelled PSAM."""
        kind, value = self.psam_source
        if kind == "psam_file":
            backend = open_backend(SOFT_PSAM_BACKEND, psam_file=value)
            reader = backend.list_readers()[0]
        elif kind == "psam_reader":
            backend = self.pcsc()
            reader = choose_reader(backend.list_readers(), value, "--psam-reader")
        else:
            return None
        try:
            connection = stack.enter_context(backend.connect(reader))
        except NoCardError:
            raise PsamError(f"no PSAM in reader {reader!r}: insert the terminal's PSAM") from None
        logger.info("PSAM in %s: ATR %s, %s", reader, _hex(connection.atr), connection.protocol)
        if sink is None:
            return PsamAuthenticator(connection)
        sink(f"# {reader} (PSAM): ATR {_hex(connection.atr)}, {connection.protocol}")
        return PsamAuthenticator(TracingTransmitter(connection, sink, label=PSAM_LABEL))

    def open_card(self, stack: contextlib.ExitStack[bool | None]) -> CardConnection:
        backend, reader = self.card_reader()
        try:
            connection = stack.enter_context(backend.connect(reader))
        except NoCardError:
            raise Failure(f"no card in reader {reader!r}: insert one and try again") from None
        stack.enter_context(atomically(connection))
        logger.info("card in %s: ATR %s, %s", reader, _hex(connection.atr), connection.protocol)
        return connection


def _hex(data: bytes) -> str:
    return data.hex(" ").upper()


def _debug_apdus() -> Sink | None:
    """With -vv, a sink logging a read's APDUs (masked as in a trace) at DEBUG."""
    if not logger.isEnabledFor(logging.DEBUG):
        return None
    return lambda line: logger.debug("%s", line)


def _read_card(
    transmitter: Transmitter, pin: str | None, authenticator: PsamAuthenticator | None
) -> Identification:
    session = SocialSecurityCardSession(transmitter, authenticator)
    if pin:
        session.verify_pin(pin)
    result = identify(session)
    logger.info("card read: generation %s, %s", result.card.generation, result.genuineness)
    if not result.genuine:
        click.echo(f"sscard-read: WARNING: {result.genuineness}", err=True)
    if result.holder is None:
        click.echo(
            "sscard-read: the card withholds holder data until read authentication "
            "(give --psam-reader or --psam-file); holder fields are left empty",
            err=True,
        )
    return result


@click.command(short_help="Read one card (checked genuine with a PSAM).")
@_source_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["pipe", "json"]),
    default="pipe",
    help="pipe: the ministry's basic card record; json: every field, named.",
)
@_pin_option("Verify this PIN before reading.")
@click.option(
    "--photo-out",
    type=FILE,
    help="Write the holder's photo (JPEG) to this file.",
)
@verbosity_option
@click.pass_context
def read(
    ctx: click.Context,
    /,
    output_format: str,
    pin: str | None,
    photo_out: Path | None,
    **params: Any,
) -> None:
    """Read one card and print it (with a PSAM, after checking it is genuine: error -21 if not)."""
    plan = _Read(ctx, params)
    pin = _pin(pin)
    apdus = _debug_apdus()
    with contextlib.ExitStack() as stack:
        authenticator = plan.open_psam(stack, apdus)
        connection = plan.open_card(stack)
        transmitter = connection if apdus is None else TracingTransmitter(connection, apdus)
        result = _read_card(transmitter, pin, authenticator)
        atr = connection.atr
    if photo_out is not None:
        photo_out.write_bytes(result.photo)
    if output_format == "json":
        out = _card_json(result.card, result.holder, result.photo, atr)
        out["genuine"] = {
            "checked": result.genuine,
            "by": result.checked_by,
            "note": result.genuineness,
        }
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    terminal = authenticator.terminal_number if authenticator else ""
    historical = parse_atr(atr).historical_bytes
    record = basic_card_record(result.card, result.holder, historical, terminal_number=terminal)
    click.echo(record.to_pipe())


@click.command(short_help="A read's APDUs (PIN and personal data masked).")
@_source_options
@_pin_option("Verify this PIN first (it is masked in the trace).")
@verbosity_option
@click.pass_context
def trace(ctx: click.Context, /, pin: str | None, **params: Any) -> None:
    """Read one card and print every APDU of the read, PIN and personal data masked.

    With a PSAM, its APDUs are printed too, each line starting "PSAM". The last line counts
    the APDUs.
    """
    plan = _Read(ctx, params)
    pin = _pin(pin)
    lines: list[str] = []

    def emit(line: str) -> None:
        lines.append(line)
        click.echo(line)

    with contextlib.ExitStack() as stack:
        authenticator = plan.open_psam(stack, emit)
        connection = plan.open_card(stack)
        emit(f"# {connection.reader}: ATR {_hex(connection.atr)}, {connection.protocol}")
        _read_card(TracingTransmitter(connection, emit), pin, authenticator)
    commands = sum(1 for line in lines if line.startswith(">"))
    if authenticator is None:
        click.echo(f"# {commands} APDUs")
        return
    psam_commands = sum(1 for line in lines if line.startswith(f"{PSAM_LABEL}>"))
    click.echo(f"# {commands} APDUs to the card, {psam_commands} to the PSAM")


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
