"""The kind of command ``sscard-keys`` is made of, and the group itself.

A ``CeremonyCommand`` takes the key store options (before or after its name), resolves
them into the store its callback gets as ``where``, sets up ``-v`` logging to stderr, and
turns every error its step meets into ``Error: … — what to do`` (``keys.cli.errors``).
Help shows a command's own options, then the key store's.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from keys.cli.errors import REPORTED, ceremony_failed
from keys.cli.options import SHARED, StoreChoice, TokenStore, resolve_store, store_options

log = logging.getLogger(__name__)

CONTEXT_SETTINGS: dict[str, Any] = {
    "help_option_names": ["-h", "--help"],
    "show_default": True,
    "max_content_width": 100,
}
STORE_SECTION = "Key store (these options go before or after the command)"


def _configure_logging(ctx: click.Context, verbosity: int) -> None:
    """Log the ``keys`` package to stderr for this command with ``-v`` (never a secret: see
    keys); without it, nothing (not even a warning through logging's last resort)."""
    logger = logging.getLogger("keys")
    handler: logging.Handler = logging.NullHandler()
    previous = logger.level
    if verbosity > 0:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)
    logger.addHandler(handler)

    def restore() -> None:
        logger.removeHandler(handler)
        logger.setLevel(previous)

    ctx.call_on_close(restore)


def _format_options(
    command: click.Command, ctx: click.Context, formatter: click.HelpFormatter
) -> None:
    """Help in two sections: the command's own options, then the key store's."""
    own: list[tuple[str, str]] = []
    shared: list[tuple[str, str]] = []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is not None:
            (shared if param.name in SHARED else own).append(record)
    if own:
        with formatter.section("Options"):
            formatter.write_dl(own)
    with formatter.section(STORE_SECTION):
        formatter.write_dl(shared)


def _what_opens(where: StoreChoice) -> str:
    if isinstance(where, TokenStore):
        return "the user PIN (--pin-file); a token locks after a few wrong PINs"
    return "the passphrase (--passphrase-file) or the key file (--key-file)"


class CeremonyCommand(click.Command):
    """A ``sscard-keys`` command: the store options, and one way of reporting errors.

    Its callback takes ``where`` (the resolved ``StoreChoice``) besides its own options.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        super().__init__(*args, **kwargs)
        self.params.extend(store_options())

    def invoke(self, ctx: click.Context) -> Any:
        """Resolve the store options, then run the step; its errors become one line."""
        values = {name: ctx.params.pop(name) for name in SHARED}
        try:
            where, verbosity = resolve_store(ctx, values)
        except click.UsageError as error:
            error.ctx = error.ctx or ctx  # the usage line and "Try --help" with the message
            raise
        _configure_logging(ctx, verbosity)
        ctx.params["where"] = where
        log.debug("key store: %s", where)
        try:
            return super().invoke(ctx)
        except REPORTED as error:
            log.debug("the step failed: %s", type(error).__name__)
            raise ceremony_failed(error, _what_opens(where)) from None

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Own options, then the key store's."""
        _format_options(self, ctx, formatter)


class KeysGroup(click.Group):
    """``sscard-keys``: the store options may come before the command too."""

    command_class = CeremonyCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        super().__init__(*args, **kwargs)
        self.params.extend(store_options())

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Own options, the key store's, then the commands."""
        _format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)
