"""``cardsvc serve``: the HTTP API under uvicorn."""

from __future__ import annotations

import ipaddress

import click

from cardsvc.cli.database import opened
from cardsvc.cli.shared import COUNT, Failed, command_settings
from cardsvc.cli.terminal import verbosity


def _loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", help="The address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, help="The TCP port to listen on."
)
@click.option(
    "--workers",
    type=COUNT,
    default=1,
    help="Worker processes; they share only the database (docs/deployment.md).",
)
@click.option(
    "--trusted-proxies",
    default="",
    metavar="ADDRESSES",
    show_default="none: the client is the connection's peer",
    help="The proxies whose X-Forwarded-For names the client: comma-separated addresses or "
    "networks, e.g. 10.1.0.5.",
)
def serve(host: str, port: int, workers: int, trusted_proxies: str) -> None:
    """Serve the HTTP API until Ctrl-C.

    The database must exist with an up-to-date schema ('cardsvc migrate'); a
    database other than SQLite, or an address other than the loopback, needs the
    service's own secrets (see 'cardsvc --help').
    """
    from cardsvc.serving import serve as run

    settings = command_settings()
    unsafe = settings.unsafe_secrets()
    if unsafe and not _loopback(host):
        raise click.UsageError(
            f"{', '.join(unsafe)} hold the demo defaults or are shorter than 32 characters: "
            f"anyone could sign a clerk's token with them, so the service listens on "
            f"127.0.0.1 only until they are set to secrets of the deployment's own "
            f"(not on {host})"
        )
    with opened(settings):  # refuse a missing or outdated database before listening
        pass
    try:
        run(
            host,
            port,
            workers=workers,
            trusted_proxies=trusted_proxies,
            log_level="debug" if verbosity() else "info",
        )
    except SystemExit as stopped:  # uvicorn's own exit when it cannot start
        if stopped.code:
            raise Failed(
                f"the service did not start on {host}:{port}; the log above says why (another "
                "process on that port? an address this machine does not have?)"
            ) from None
        raise
