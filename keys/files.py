"""Reading a file a person named (a key store, a key file, a passphrase, an anchors file):
whole, but only a regular file of a size its kind can have.

A device (``/dev/zero``), a pipe or a directory given by mistake would otherwise be read
without end or hang the command: ``read_bounded`` refuses them, and a file larger than
``limit``, with ``UnfitFile`` (a ``ValueError``) naming the file and what is wrong with it.
The simulators read their card and PSAM files through it too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class UnfitFile(ValueError):  # noqa: N818 - the domain names it so
    """``path`` is not a ``what``: ``reason`` says why (not a regular file, too large, …);
    ``size`` is its size when that is the reason."""

    def __init__(self, path: Path, what: str, reason: str, size: int | None = None) -> None:
        self.path = path
        self.what = what
        self.reason = reason
        self.size = size
        article = "an" if what[:1] in ("a", "e", "i", "o", "u") else "a"
        super().__init__(f"{path} is not {article} {what}: {reason}")


def read_bounded(path: Path, limit: int, what: str) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes (``what`` names its
    kind in the message: "card file", "key file").

    ``UnfitFile`` for a device, pipe, socket or directory, or a larger file; ``OSError``
    (``FileNotFoundError``, ``PermissionError``…) as ``open`` raises it.
    """
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        check_opened(path, fd, limit, what)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as file:
        data = file.read(limit + 1)  # the file may have grown since fstat
    if len(data) > limit:
        raise UnfitFile(path, what, _too_large(len(data), limit, what), len(data))
    return data


def check_opened(path: Path, fd: int, limit: int, what: str) -> None:
    """``UnfitFile`` unless the file open on ``fd`` is a regular file of at most ``limit``
    bytes (for a file opened to be written too, such as the ceremony log)."""
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):
        raise UnfitFile(path, what, f"it is {_kind(status.st_mode)}, not a regular file")
    if status.st_size > limit:
        raise UnfitFile(path, what, _too_large(status.st_size, limit, what), status.st_size)


def _too_large(size: int, limit: int, what: str) -> str:
    return f"it holds {size:,} bytes, more than any {what} (at most {limit:,})"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"
