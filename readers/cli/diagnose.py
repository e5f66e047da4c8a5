"""``sscard-read list`` and ``sscard-read doctor``: which PC/SC readers, and why none."""

from __future__ import annotations

import click

from readers.backends import open_backend
from readers.cli.toolkit import show_table, verbosity_option

PCSC_BACKEND = "pcsc"


@click.command("list", short_help="The PC/SC readers, numbered for --reader.")
@verbosity_option
def list_readers() -> None:
    """List the PC/SC readers pcscd sees, numbered as --reader takes them.

    On a terminal they show as a table; piped, one name a line, in number order (the
    first line is reader 0).
    """
    readers = open_backend(PCSC_BACKEND).list_readers()
    if not readers:
        click.echo(
            "sscard-read: no PC/SC reader is present (plug one in, or run sscard-sim vpcd)",
            err=True,
        )
        return
    show_table(
        ("#", "reader"),
        [(str(index), name) for index, name in enumerate(readers)],
        plain=readers,
    )


@click.command(short_help="Why no card is seen: pcscd, readers, access, drivers.")
@verbosity_option
@click.pass_context
def doctor(ctx: click.Context) -> None:
    """Check pcscd, the readers, access rights and drivers; exit 1 if a check fails."""
    # Imported here: the other commands work without the [pcsc] extra (pyscard).
    from readers.pcsc import doctor as checks
    from readers.pcsc.api import PyscardApi

    api = PyscardApi()
    service, readers = checks.check_service(api)
    findings = [checks.check_socket(), service]
    if service.ok:
        findings.append(checks.check_readers(api, readers))
    findings.append(checks.check_drivers())
    for finding in findings:
        click.echo(f"{'ok  ' if finding.ok else 'FAIL'} {finding.check}: {finding.detail}")
        if finding.hint:
            click.echo(f"     hint: {finding.hint}")
    if not all(finding.ok for finding in findings):
        ctx.exit(1)
