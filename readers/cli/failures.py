"""What ``sscard-read`` says when a read cannot be done: the error, then what to do.

``explain`` turns the exceptions of the layers below (the card session's ministry
errors, the reader transport's ``ReaderError`` tree, files, missing extras) into the
one-line message of a failure (exit 1); it returns None for anything else, a bug whose
traceback should show.
"""

from __future__ import annotations

from readers.backends import BackendNotAvailableError
from readers.card.errors import SocialSecurityCardError, WrongPin
from readers.connection import (
    CardRemovedError,
    CardResetError,
    NoCardError,
    ReaderError,
    ReaderTimeoutError,
    ReaderUnavailableError,
    ServiceUnavailableError,
    SharingViolationError,
)
from readers.iso7816.errors import Iso7816Error

# The optional extras a backend needs: the module that is missing → how to install it.
EXTRAS = {
    "smartcard": "PC/SC readers need pyscard: install the project's [pcsc] extra "
    "(pip install -e '.[pcsc]')",
    "serial": "serial readers need pyserial: install the project's [serial] extra "
    "(pip install -e '.[serial]')",
}


def explain(exc: Exception) -> str | None:
    """The message for ``exc``, or None when it is not a user's or a machine's problem."""
    match exc:
        case WrongPin():
            return f"{exc} (error {exc.code}): give the right PIN with --pin"
        case SocialSecurityCardError():
            return f"{exc} (error {exc.code})"
        case NoCardError():
            return f"no card in the reader ({exc}): insert one and try again"
        case CardRemovedError():
            return f"the card was taken out during the read ({exc}): put it back and read again"
        case CardResetError():
            return f"another program reset the card during the read ({exc}): read it again"
        case ServiceUnavailableError():
            return (
                f"pcscd is not reachable or refuses this user ({exc}): start it "
                "(sudo systemctl start pcscd.socket); sscard-read doctor says what is wrong"
            )
        case ReaderUnavailableError():
            return (
                f"the reader is gone ({exc}): plug it back in; sscard-read list shows "
                "the readers present"
            )
        case SharingViolationError():
            return f"another program holds the card for itself ({exc}): close it and try again"
        case ReaderTimeoutError():
            return (
                f"the reader did not answer in time ({exc}): check its cable and power, "
                "then try again"
            )
        case ReaderError() | BackendNotAvailableError():
            return str(exc)
        case Iso7816Error():
            return f"the card's answer breaks ISO 7816 ({exc}): is it a social security card?"
        case ModuleNotFoundError() if exc.name in EXTRAS:
            return EXTRAS[exc.name]
        case OSError() if exc.filename is not None:
            return f"{exc.filename}: {exc.strerror or exc}"
        case OSError() | ValueError():
            return str(exc)
    return None
