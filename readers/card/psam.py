"""``PsamAuthenticator``: card cryptograms from the terminal's PSAM over a second connection.

On construction it selects the PSAM's social security application (``00 A4 04 00 06
D15600000590 00``) and reads the terminal number (``00 B0 96 00 06``, 12 BCD digits).
Each cryptogram is INIT FOR CIPHER then CIPHER DATA (profile §5)::

    BF DE P1 P2 18 cardFactor(8) ‖ cityFactor(8) ‖ pf(8)
    80 FA 00 00 08 original(8)               → cryptogram(8)

P1 = ``2 << 5 | key type`` (two diversification levels; types 8 IRK, 9 RKSSSE, 6 UK);
[profile] P2 = ``algorithm flag << 4 | key version`` (flag 1 = 3DES, 3 = SM4, the card's
FCI flag; version 0 = the PSAM's highest). Keys never leave the PSAM.
"""

from __future__ import annotations

from readers.card import constants as c
from readers.card.authenticator import CardKey, CardKeyContext
from readers.card.errors import CardDataError, PsamError
from readers.connection import atomically
from readers.iso7816 import status
from readers.iso7816.apdu import CommandApdu
from readers.iso7816.codecs import decode_cn
from readers.iso7816.errors import FormatError
from readers.iso7816.processors import ApduProcessor, Transmitter

CLA_INIT_FOR_CIPHER = 0xBF
INS_INIT_FOR_CIPHER = 0xDE
INS_CIPHER_DATA = 0xFA
DIVERSIFICATION_LEVELS = 2
TERMINAL_NUMBER_SFI = 0x16
TERMINAL_NUMBER_LENGTH = 6


def init_for_cipher_p1(key: CardKey) -> int:
    """Key usage byte: two diversification levels (city, card) and the key type."""
    return DIVERSIFICATION_LEVELS << 5 | key.value


def init_for_cipher_p2(card: CardKeyContext, key_version: int) -> int:
    """[profile] the card's algorithm flag in bits 8–5, the key version in bits 4–1."""
    if not 0 <= key_version <= 0x0F:
        raise ValueError("a key version is 0 (highest held) to 15")
    return card.algorithm.value << 4 | key_version


class PsamAuthenticator:
    """An ``Authenticator`` backed by a PSAM (see the module docstring)."""

    def __init__(self, connection: Transmitter, *, key_version: int = 0) -> None:
        self._connection = connection
        self._processor = ApduProcessor(connection)
        self._key_version = key_version
        self._select()
        self.terminal_number = self._read_terminal_number()

    def __repr__(self) -> str:
        return f"PsamAuthenticator(terminal {self.terminal_number})"

    @property
    def description(self) -> str:
        return f"PSAM, terminal {self.terminal_number}"

    @property
    def region_code(self) -> str:
        """[profile] the terminal number's first six digits: the terminal's region."""
        return self.terminal_number[:6]

    def cryptogram(
        self, card: CardKeyContext, key: CardKey, process_factor: bytes, original: bytes
    ) -> bytes:
        if len(process_factor) != c.FACTOR_LENGTH or len(original) != c.FACTOR_LENGTH:
            raise ValueError("the process factor and the original data are 8 bytes each")
        init = CommandApdu(
            CLA_INIT_FOR_CIPHER,
            INS_INIT_FOR_CIPHER,
            init_for_cipher_p1(key),
            init_for_cipher_p2(card, card.key_version or self._key_version),
            card.card_factor + card.city_factor + process_factor,
        )
        cipher = CommandApdu(c.CLA_PROPRIETARY, INS_CIPHER_DATA, 0x00, 0x00, original)
        # INIT FOR CIPHER leaves a session key in the PSAM that CIPHER DATA uses: no other
        # program sharing the PSAM may come in between.
        with atomically(self._connection):
            self._send(init, f"INIT FOR CIPHER ({key.name})")
            result = self._send(cipher, "CIPHER DATA")
        if len(result) != c.FACTOR_LENGTH:
            raise PsamError(f"CIPHER DATA returned {len(result)} bytes, not 8")
        return result

    def _send(self, command: CommandApdu, what: str) -> bytes:
        response = self._processor.send(command)
        if response.ok:
            return response.data
        if response.sw == status.KEY_NOT_FOUND:
            raise PsamError(
                f"{what}: the PSAM holds no such key for this card ({response.sw:04X})",
                code=-response.sw,
            )
        raise PsamError(f"{what}: the PSAM answered {response.sw:04X}", code=-response.sw)

    def _select(self) -> None:
        command = CommandApdu(0x00, c.INS_SELECT, 0x04, 0x00, c.PSAM_AID, le=256)
        response = self._processor.send(command)
        if response.sw in (status.FILE_NOT_FOUND, status.WRONG_P1P2):
            raise PsamError("the card in the PSAM reader has no social security PSAM application")
        if not response.ok:
            raise PsamError(f"SELECT PSAM: the PSAM answered {response.sw:04X}")

    def _read_terminal_number(self) -> str:
        command = CommandApdu(
            0x00, c.INS_READ_BINARY, 0x80 | TERMINAL_NUMBER_SFI, 0x00, le=TERMINAL_NUMBER_LENGTH
        )
        raw = self._send(command, "READ BINARY terminal number")
        try:
            number = decode_cn(raw)
        except FormatError:
            raise CardDataError("the PSAM's terminal number is not BCD") from None
        if len(number) != 2 * TERMINAL_NUMBER_LENGTH:
            raise CardDataError(f"the PSAM's terminal number has {len(number)} digits, not 12")
        return number
