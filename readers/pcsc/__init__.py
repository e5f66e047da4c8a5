"""PC/SC readers through pcscd: the project's only user of pyscard (extra ``[pcsc]``).

- ``codes``       PC/SC numbers; return code → ``readers.connection`` error (pure)
- ``api``         the PC/SC calls as a typed protocol; ``PyscardApi`` implements it
- ``connection``  ``PcscConnection``: raw APDUs, transactions, reset/removal recovery
- ``monitor``     ``ReaderMonitor``: the event thread (SCardGetStatusChange + PnP)
- ``backend``     ``PcscBackend``: list, connect, events
- ``doctor``      checks for ``sscard-read doctor``
"""

from __future__ import annotations

from readers.pcsc.backend import PcscBackend
from readers.pcsc.connection import PcscConnection

__all__ = ["PcscBackend", "PcscConnection", "pcsc_backend"]


def pcsc_backend() -> PcscBackend:
    """The ``pcsc`` entry of ``sscard.reader_backends``."""
    return PcscBackend()
