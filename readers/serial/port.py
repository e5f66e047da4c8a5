"""Serial ports through pyserial: the only module of the project that imports it.

``open_port(url)`` opens a device path (``/dev/ttyUSB0``, a pty's slave) exclusively, or
any URL pyserial knows (``loop://``, ``socket://host:port``, or a scheme added with
``register_url_handlers``, such as the simulators' ``sim://``). ``port_error`` is the one
place where pyserial's and the OS's exceptions become ours.
"""

from __future__ import annotations

import errno
from typing import Protocol

import serial

from readers.connection import ReaderError, ReaderUnavailableError, SharingViolationError

# Reads return after at most this long (seconds) when nothing arrives, so that callers
# can watch their own deadlines without reconfiguring the port for every read.
READ_SLICE = 0.01


class Port(Protocol):
    """The part of a pyserial port the backend uses; tests may pass any such object."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes) -> int | None: ...

    def close(self) -> None: ...


def register_url_handlers(package: str) -> None:
    """Let ``open_port`` open URLs of the schemes that ``package.protocol_<scheme>`` modules
    implement (pyserial's ``protocol_handler_packages`` mechanism)."""
    if package not in serial.protocol_handler_packages:
        serial.protocol_handler_packages.append(package)


def open_port(url: str, *, baudrate: int) -> Port:
    """Open ``url``; device paths exclusively (ReaderError subclasses on failure).

    Exclusive locking (``flock``) only makes sense for device files: URL schemes such as
    ``loop://``, ``socket://`` and ``sim://`` are opened without it.
    """
    options: dict[str, object] = {"baudrate": baudrate, "timeout": READ_SLICE}
    if "://" not in url:
        options["exclusive"] = True
    try:
        port: Port = serial.serial_for_url(url, **options)
    except OSError as exc:
        raise port_error(exc, url) from exc
    return port


def port_error(exc: OSError, port: str) -> ReaderError:
    """Our error for what pyserial or the OS raised on ``port``."""
    if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EBUSY):
        return SharingViolationError(f"{port} is in use by another program: {exc}")
    return ReaderUnavailableError(f"serial port {port} is unavailable: {exc}")
