"""Choosing a reader as ``opensc-tool -r`` and ykman do, and where a command's card is.

A reader is chosen by its number in ``sscard-read list`` (``--reader 0``) or by a part
of its name that only it has, in any case (``--reader "pcd 00 01"``); a full name always
chooses its reader, even when it is part of another's. A choice that names no reader, or
several, fails with exit 1 (what is plugged in is the machine's state, not a mistake in
the command line) and shows the numbered readers present.

A value from the environment (``SSCARD_READER``…) yields to any source given on the
command line, so ``--card-file`` works while ``SSCARD_READER`` is set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from readers.cli.toolkit import Failure

READER_ENV = "SSCARD_READER"
PSAM_READER_ENV = "SSCARD_PSAM_READER"
READER_METAVAR = "NUMBER|NAME"

F = TypeVar("F", bound=Callable[..., Any])


def numbered(readers: Sequence[str]) -> str:
    """The readers, one a line, each after its number (what ``--reader`` takes)."""
    return "\n".join(f"  {index}: {name}" for index, name in enumerate(readers))


def choose_reader(readers: Sequence[str], choice: str, option: str = "--reader") -> str:
    """The reader of ``readers`` that ``choice`` names; ``Failure`` listing them if none."""
    if not readers:
        raise Failure(
            f"{option} {choice}: no PC/SC reader is present. Plug one in (or put a soft card "
            "into pcscd with sscard-sim vpcd); sscard-read doctor says what is missing"
        )
    wanted = choice.strip().casefold()
    if wanted.isascii() and wanted.isdigit():
        if int(wanted) < len(readers):
            return readers[int(wanted)]
        problem = f"there is no reader number {int(wanted)}"
    else:
        exact = [name for name in readers if name.casefold() == wanted]
        matches = exact or [name for name in readers if wanted in name.casefold()]
        if len(matches) == 1:
            return matches[0]
        problem = (
            f"{len(matches)} readers match {choice!r}"
            if matches
            else f"no reader matches {choice!r}"
        )
    raise Failure(
        f"{option}: {problem}. The readers present:\n{numbered(readers)}\n"
        f"Give {option} a reader's number or a part of its name only it has."
    )


def reader_option(
    name: str = "--reader", *, envvar: str = READER_ENV, help_text: str
) -> Callable[[F], F]:
    """A PC/SC reader option: a number or a unique part of a name, also from ``envvar``."""
    return click.option(
        name,
        metavar=READER_METAVAR,
        envvar=envvar,
        show_envvar=True,
        help=help_text,
    )


def one_source(ctx: click.Context, options: Mapping[str, object | None]) -> tuple[str, Any]:
    """The one option of ``options`` (parameter name → value) that is given, and its value.

    Values from the environment count only when the command line gives none of them.
    At most one may be given: two are a usage error. None at all is a usage error too.
    """
    given = {name: value for name, value in options.items() if value is not None}
    typed = {
        name: value
        for name, value in given.items()
        if ctx.get_parameter_source(name) is not ParameterSource.ENVIRONMENT
    }
    chosen = typed or given
    flags = " | ".join(_flag(ctx, name) for name in options)
    if len(chosen) > 1:
        both = " and ".join(_flag(ctx, name) for name in chosen)
        raise click.UsageError(f"{both} exclude each other: give one of {flags}")
    if not chosen:
        raise click.UsageError(f"say where the card is: {flags}")
    [(name, value)] = chosen.items()
    return name, value


def optional_source(ctx: click.Context, options: Mapping[str, object | None]) -> tuple[str, Any]:
    """As ``one_source``, but giving none is allowed: ("", None)."""
    if all(value is None for value in options.values()):
        return "", None
    return one_source(ctx, options)


def _flag(ctx: click.Context, name: str) -> str:
    for param in ctx.command.params:
        if param.name == name and isinstance(param, click.Option):
            return param.opts[0]
    return name
