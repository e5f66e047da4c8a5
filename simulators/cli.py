"""``sscard-sim``: make soft social security cards of synthetic residents.

sscard-sim card create --out FILE [--generation 3.00] [--t0|--t1] [holder options]
    [--keys STORE --passphrase-file F --transport-key-file F]   a genuine card (card keys)
sscard-sim province create --out DIR [--code 320000]   a synthetic province's key store
sscard-sim psam create --out FILE --terminal 320100000001 --transport-key-file F
    (--keys STORE --passphrase-file F | --export PSAM_KEYS.json) [--t0|--t1]
sscard-sim population N --out DIR [--seed S] [--generation G ...]
sscard-sim vpcd [--card FILE] [--slot 0|1] [--control PATH]   (runs until stopped;
    FILE is a soft card or a soft PSAM: card in slot 0, PSAM in slot 1 for a window)
sscard-sim serial [--card FILE]                                (runs until stopped)
"""

from __future__ import annotations

import argparse
import dataclasses
import secrets
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from keys.errors import KeyStoreError
from readers.card.numbers import (
    InvalidNumberError,
    build_card_identification_code,
    parse_social_security_number,
    validate_card_number,
)
from readers.card.regions import is_known_region
from simulators.card.personalisation import GENERATIONS, CardPersonalisation, Generation
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.card.state import save_card
from simulators.population import generate_population, make_personalisation
from simulators.population_csv import write_cards_csv, write_population_csv, write_residents_csv
from simulators.provisioning import (
    card_factory,
    psam_from_export,
    psam_from_store,
    write_synthetic_province,
)
from simulators.psam_state import save_psam
from simulators.serial.serve import serve_serial
from simulators.vpcd import READER_NAMES, VpcdSlot
from simulators.vpcd_control import ControlPanel, serve_control_socket


class UsageError(ValueError):
    pass


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).strftime("%Y%m%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sscard-sim", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    card = commands.add_parser("card", help="soft cards").add_subparsers(
        dest="card_command", required=True
    )
    create = card.add_parser("create", help="write one soft card file (JSON)")
    create.add_argument("--out", type=Path, required=True, help="the card file to write")
    create.add_argument("--force", action="store_true", help="overwrite an existing file")
    _card_options(create)
    holder = create.add_argument_group(
        "holder", "override the synthetic resident; unset fields stay synthetic"
    )
    holder.add_argument("--name", help="GBK-encodable; up to 30 bytes, 50 on 2.00/3.00")
    holder.add_argument("--ssn", help="18-character social security number (or 15-digit)")
    holder.add_argument("--sex", choices=("1", "2", "9"))
    holder.add_argument("--birth-date", type=_date, help="YYYY-MM-DD")
    holder.add_argument("--birthplace", help="6-digit GB/T 2260 region code")
    holder.add_argument("--ethnic-group", help="2-digit GB 3304 code, 01 = 汉族")
    holder.add_argument("--region", help="6-digit issuing region code, e.g. 320500")
    holder.add_argument("--card-number", help="9 characters with check character")
    holder.add_argument("--issue-date", type=_date, help="YYYY-MM-DD; expiry is 10 years on")
    holder.add_argument("--pin", help="initial PIN, 6 digits by default 123456")
    holder.add_argument("--photo", type=Path, help="a JPEG of at most 16 KiB")
    keyed = create.add_argument_group(
        "card keys", "load card keys from an issuer's key store (a genuine card)"
    )
    keyed.add_argument("--keys", type=Path, help="the issuer's software key store")
    keyed.add_argument("--passphrase-file", type=Path, help="the store's passphrase")
    keyed.add_argument("--transport-key-file", type=Path, help="the factory transport key")
    register = create.add_argument_group(
        "register", "also write the holder and the card in cardsvc's import format"
    )
    register.add_argument(
        "--register-csv",
        type=Path,
        metavar="DIR",
        help="write DIR/residents.csv and DIR/cards.csv (for 'cardsvc import')",
    )
    register.add_argument(
        "--community", help="with --register-csv: the holder's community station's unified code"
    )

    province = commands.add_parser("province", help="synthetic provinces' keys").add_subparsers(
        dest="province_command", required=True
    )
    province_create = province.add_parser(
        "create", help="a key store of random masters, its passphrase and transport key files"
    )
    province_create.add_argument("--out", type=Path, required=True, help="directory to write")
    province_create.add_argument("--code", default="320000", help="6-digit province code")

    psam = commands.add_parser("psam", help="soft PSAMs").add_subparsers(
        dest="psam_command", required=True
    )
    psam_create = psam.add_parser("create", help="write one soft PSAM file (JSON)")
    psam_create.add_argument("--out", type=Path, required=True, help="the PSAM file to write")
    psam_create.add_argument("--force", action="store_true", help="overwrite an existing file")
    psam_create.add_argument(
        "--terminal", required=True, help="12-digit terminal number: region code + sequence"
    )
    psam_create.add_argument("--transport-key-file", type=Path, required=True)
    source = psam_create.add_mutually_exclusive_group(required=True)
    source.add_argument("--keys", type=Path, help="the issuer's software key store")
    source.add_argument("--export", type=Path, help="an `sscard-keys export-psam` file")
    psam_create.add_argument("--passphrase-file", type=Path, help="with --keys")
    _protocol_options(psam_create)

    population = commands.add_parser("population", help="write N soft card files")
    population.add_argument("count", type=int, metavar="N")
    population.add_argument("--out", type=Path, required=True, help="directory to write into")
    _card_options(population, many=True)

    vpcd = commands.add_parser(
        "vpcd",
        help="put a soft card or PSAM into the running pcscd (vsmartcard's vpcd driver)",
        description=VPCD_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    vpcd.add_argument("--card", type=Path, help="soft card or soft PSAM file to insert at start")
    vpcd.add_argument(
        "--slot",
        type=int,
        choices=(0, 1),
        default=0,
        help=f"0: {READER_NAMES[0]!r} (port 35963), 1: {READER_NAMES[1]!r} (port 35964)",
    )
    vpcd.add_argument("--control", type=Path, help="also take commands on this Unix socket")

    population_csv = commands.add_parser(
        "population-csv",
        help="write N synthetic residents and their cards in cardsvc's import format",
    )
    population_csv.add_argument("count", type=int, metavar="N")
    population_csv.add_argument(
        "--out", type=Path, required=True, help="directory for residents.csv and cards.csv"
    )
    population_csv.add_argument("--seed", type=int, default=2013)
    population_csv.add_argument(
        "--community",
        action="append",
        required=True,
        help="unified code of a community station (repeat); residents are spread over them",
    )

    serial = commands.add_parser(
        "serial",
        help="a simulated serial window reader on a pty",
        description=SERIAL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serial.add_argument("--card", type=Path, help="soft card file to insert at start")
    return parser


VPCD_HELP = """\
Relays a soft card to pcscd's vpcd driver until stopped (Ctrl-C, SIGTERM or `quit`).
pcscd must be running with Debian's vsmartcard-vpcd installed; the card appears in
reader "Virtual PCD 00 00" (--slot 0) or "Virtual PCD 00 01" (--slot 1). A FILE is a
soft card (`sscard-sim card create`) or a soft PSAM (`sscard-sim psam create`). A
window runs two relays, each in its own terminal, the resident's card in slot 0 and
the terminal's PSAM in slot 1:
  sscard-sim vpcd --card card.json
  sscard-sim vpcd --slot 1 --card psam.json
  sscard-read read --reader "Virtual PCD 00 00" --psam-reader "Virtual PCD 00 01"

Commands, one per line on standard input or, with --control PATH, one per connection
to that Unix socket (e.g. `echo "swap other.json" | socat - UNIX-CONNECT:PATH`):
  insert FILE   put the soft card or PSAM saved in FILE into the (empty) reader
  remove        take the card out
  swap FILE     take the card out and insert the card or PSAM in FILE
  status        what is in the reader
  quit          stop
Each command is answered with one line starting "ok" or "error".
"""

SERIAL_HELP = """\
Serves the project's serial reader protocol (docs/serial-reader-protocol.md) on a new
pty until stopped, and prints the pty's path: open it as a serial port, e.g.
`sscard-read` through the serial backend or `SerialReaderBackend(PATH)`.

Commands, one per line on standard input:
  insert FILE   put the soft card saved in FILE into the reader
  remove        take the card out
  quit          stop
"""


def _card_options(parser: argparse.ArgumentParser, *, many: bool = False) -> None:
    parser.add_argument(
        "--generation",
        choices=GENERATIONS,
        action="append" if many else "store",
        help="card generation" + (" (repeat for a mix; default all)" if many else ", default 3.00"),
    )
    _protocol_options(parser)
    parser.add_argument("--seed", type=int, help="synthetic resident seed (default random)")


def _protocol_options(parser: argparse.ArgumentParser) -> None:
    protocol = parser.add_mutually_exclusive_group()
    protocol.add_argument(
        "--t0",
        dest="protocol",
        action="store_const",
        const="T0",
        help="contact T=0 personality: 61xx, 6Cxx, GET RESPONSE (default)",
    )
    protocol.add_argument(
        "--t1",
        dest="protocol",
        action="store_const",
        const="T1",
        help="T=1 / contactless personality",
    )
    parser.set_defaults(protocol="T0")


def _overrides(args: argparse.Namespace, base: CardPersonalisation) -> CardPersonalisation:
    changes: dict[str, object] = {}
    if args.ssn:
        ssn = parse_social_security_number(args.ssn)
        changes.update(
            social_security_number=ssn.number,
            sex=ssn.sex,
            birth_date=ssn.birth_date.strftime("%Y%m%d"),
            birthplace=ssn.region_code,
        )
        if args.sex and args.sex != ssn.sex:
            raise UsageError("--sex does not match the social security number's sequence")
        if args.birth_date and args.birth_date != changes["birth_date"]:
            raise UsageError("--birth-date does not match the social security number")
    elif args.sex or args.birth_date:
        raise UsageError("--sex and --birth-date come from --ssn; give the number too")
    for option, field in (
        ("name", "name"),
        ("ethnic_group", "ethnic_group"),
        ("birthplace", "birthplace"),
        ("pin", "pin"),
    ):
        if getattr(args, option):
            changes[field] = getattr(args, option)
    if args.region:
        if not is_known_region(args.region):
            raise UsageError(f"--region {args.region} is not a known GB/T 2260 region code")
        changes.update(
            region_code=args.region,
            card_identification_code=build_card_identification_code(args.region, base.chip_serial),
        )
    if args.card_number:
        changes["card_number"] = validate_card_number(args.card_number)
    if args.issue_date:
        issued = date.fromisoformat(
            f"{args.issue_date[:4]}-{args.issue_date[4:6]}-{args.issue_date[6:]}"
        )
        changes.update(
            issue_date=args.issue_date, expiry_date=_ten_years_on(issued).strftime("%Y%m%d")
        )
    if args.photo:
        changes["photo"] = args.photo.read_bytes()
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _ten_years_on(day: date) -> date:
    try:
        return day.replace(year=day.year + 10)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 10, day=28)


def _seed(args: argparse.Namespace) -> int:
    return args.seed if args.seed is not None else secrets.randbits(32)


def _create(args: argparse.Namespace) -> str:
    if args.out.exists() and not args.force:
        raise UsageError(f"{args.out} exists; use --force to overwrite it")
    generation: Generation = args.generation or "3.00"
    resident = generate_population(1, seed=_seed(args), generations=(generation,))[0]
    personalisation = _overrides(args, make_personalisation(resident))
    if args.register_csv is not None:
        if not args.community:
            raise UsageError("--register-csv needs --community (a community's unified code)")
        if personalisation != make_personalisation(resident):
            raise UsageError("--register-csv writes a synthetic holder: give no holder options")
    if args.keys:
        if not (args.passphrase_file and args.transport_key_file):
            raise UsageError("--keys needs --passphrase-file and --transport-key-file")
        with card_factory(args.keys, args.passphrase_file, args.transport_key_file) as factory:
            card = factory.personalised_card(personalisation, protocol=args.protocol)
    else:
        card = SoftSocialSecurityCard.personalised(personalisation, protocol=args.protocol)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_card(card, args.out)
    keys = "with card keys (genuine)" if args.keys else "without card keys"
    written = f"wrote {args.out}: generation {generation}, {args.protocol}, {keys}"
    if args.register_csv is not None:
        args.register_csv.mkdir(parents=True, exist_ok=True)
        write_residents_csv([resident], args.register_csv / "residents.csv", [args.community])
        write_cards_csv([resident], args.register_csv / "cards.csv")
        written += f"; its holder and card in {args.register_csv}/residents.csv and cards.csv"
    return written


def _province(args: argparse.Namespace) -> str:
    files = write_synthetic_province(args.out, args.code)
    return (
        f"wrote {files.store} (passphrase in {files.passphrase_file}, "
        f"factory transport key in {files.transport_key_file})"
    )


def _psam(args: argparse.Namespace) -> str:
    if args.out.exists() and not args.force:
        raise UsageError(f"{args.out} exists; use --force to overwrite it")
    if args.keys:
        if not args.passphrase_file:
            raise UsageError("--keys needs --passphrase-file")
        psam = psam_from_store(
            args.keys, args.passphrase_file, args.transport_key_file, args.terminal, args.protocol
        )
    else:
        psam = psam_from_export(args.export, args.transport_key_file, args.terminal, args.protocol)
    save_psam(psam, args.out)
    return f"wrote {args.out}: PSAM for terminal {args.terminal}, {len(psam.memory.keys)} keys"


def _population(args: argparse.Namespace) -> str:
    if args.count < 1:
        raise UsageError("N must be at least 1")
    args.out.mkdir(parents=True, exist_ok=True)
    existing = sorted(args.out.glob("card-*.json"))
    if existing:
        raise UsageError(
            f"{args.out} already holds {len(existing)} card files; use an empty folder"
        )
    generations = tuple(args.generation or GENERATIONS)
    residents = generate_population(args.count, seed=_seed(args), generations=generations)
    width = len(str(args.count))
    for index, resident in enumerate(residents, start=1):
        card = SoftSocialSecurityCard.personalised(
            make_personalisation(resident), protocol=args.protocol
        )
        save_card(card, args.out / f"card-{index:0{width}d}.json")
    return f"wrote {args.count} cards to {args.out}"


def _read_commands(panel: ControlPanel) -> None:
    for line in sys.stdin:
        print(panel.handle(line), flush=True)
        if panel.stop.is_set():
            return


def _vpcd(args: argparse.Namespace) -> int:
    slot = VpcdSlot(args.slot)
    panel = ControlPanel(slot)
    if args.card:
        panel.insert_file(args.card)
    if args.control:
        serve_control_socket(args.control, panel)
    threading.Thread(target=_read_commands, args=(panel,), daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: panel.stop.set())
    print(f"sscard-sim: relaying {slot.reader} (port {slot.port}); Ctrl-C stops", file=sys.stderr)
    if args.card and not slot.wait_connected(2.0):
        print(f"sscard-sim: waiting for pcscd on port {slot.port}", file=sys.stderr)
    try:
        panel.stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        slot.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "vpcd":
            return _vpcd(args)
        if args.command == "serial":
            return serve_serial(args.card)
        if args.command == "population-csv":
            write_population_csv(args.count, args.out, seed=args.seed, communities=args.community)
            return 0
        commands = {
            "card": _create,
            "population": _population,
            "province": _province,
            "psam": _psam,
        }
        message = commands[args.command](args)
    except (UsageError, InvalidNumberError, ValueError, OSError, KeyError, KeyStoreError) as exc:
        print(f"sscard-sim: {exc}", file=sys.stderr)
        return 2
    print(message, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
