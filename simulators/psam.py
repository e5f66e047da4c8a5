"""The soft PSAM: a terminal's secure module holding one province's issuer keys (profile §5).

Commands (CLA/INS as the profile writes them):

- SELECT by name ``00 A4 04 00 06 D15600000590 [00]`` → FCI ``6F 08 84 06 <AID>``;
  SELECT by FID ``3F00`` → 9000. Other names or FIDs → 6A82.
- READ BINARY by SFI ``00 B0 96 00 06`` → the terminal number, 12 digits BCD (SFI 16,
  anywhere). [profile] terminal number = the 6-digit region code of the terminal's place
  ‖ a 6-digit sequence, so its first two digits name the PSAM's province.
- INIT FOR CIPHER ``BF DE P1 P2 18 cardFactor ‖ cityFactor ‖ pf`` (application selected,
  else 6985): P1 bits 8–6 = diversification levels (only 2: city, card), bits 5–1 = key
  type (8 IRK, 9 RKSSSE, 6 UK); [profile] P2 bits 8–5 = the card's algorithm flag (1 =
  3DES, 3 = SM4), bits 4–1 = key version (0 = the highest version held). The PSAM
  derives master → city → card → session key and keeps the session key until the next
  INIT FOR CIPHER or reset. Unknown levels, type or flag → 6A86; no such key → 6A88.
- CIPHER DATA ``80 FA 00 00 08 data`` → the 8-byte cryptogram of profile §5 under the
  session key (on T=0 through ``61 08`` and GET RESPONSE); without INIT FOR CIPHER 6985.

The PSAM never reveals a key: no command returns one, and ``repr`` shows none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from keys.algorithms import Algorithm
from keys.cryptogram import cryptogram
from keys.diversify import diversify, session_key
from readers.connection import Protocol_
from readers.iso7816 import status
from readers.iso7816.apdu import CommandApdu
from readers.iso7816.codecs import encode_cn
from readers.iso7816.tlv import encode_ber_tlv
from simulators.card.dispatch import CommandDispatcher, CommandError, Response, wrong_le
from simulators.psam_keys import ALGORITHM_FLAGS, KEY_TYPES, PsamKey, check_unique

PSAM_AID = bytes.fromhex("D15600000590")
MF_FID = 0x3F00
TERMINAL_NUMBER_SFI = 0x16
TERMINAL_NUMBER_LENGTH = 6
DIVERSIFICATION_LEVELS = 2
FACTOR_LENGTH = 8
ATR_PREFIX = bytes.fromhex("3B6A0000")
#: [profile] PSAM historical bytes: 00 81 "PSAM" + 4-byte chip serial.
HISTORICAL_PREFIX = bytes.fromhex("0081") + b"PSAM"


@dataclass
class PsamMemory:
    """What a PSAM keeps: its serial, terminal number and master keys."""

    serial: bytes
    terminal_number: str
    keys: list[PsamKey] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.serial) != 4:
            raise ValueError("a PSAM serial is 4 bytes")
        if len(self.terminal_number) != 12 or not self.terminal_number.isdigit():
            raise ValueError("a terminal number is 12 digits")
        self.keys = check_unique(self.keys)

    @property
    def region_code(self) -> str:
        """The region of the terminal's place: the terminal number's first six digits."""
        return self.terminal_number[:6]

    def key(self, purpose_type: int, algorithm: Algorithm, version: int) -> PsamKey:
        """The key INIT FOR CIPHER names; version 0 is the highest held."""
        purpose = KEY_TYPES[purpose_type]
        held = [k for k in self.keys if k.purpose is purpose and k.algorithm is algorithm]
        if version:
            held = [k for k in held if k.version == version]
        if not held:
            raise CommandError(status.KEY_NOT_FOUND)
        return max(held, key=lambda k: k.version)


@dataclass
class _Session:
    algorithm: Algorithm
    key: bytes = field(repr=False)


class SoftPsam(CommandDispatcher):
    """A soft PSAM (implements ``simulators.card.os.CardOS``); see the module docstring."""

    classes = (0x00, 0x80, 0xBF)

    def __init__(
        self,
        memory: PsamMemory,
        *,
        protocol: Protocol_ = "T0",
    ) -> None:
        super().__init__(protocol)
        self.memory = memory
        self._selected = False
        self._session: _Session | None = None
        self.handlers = {
            (0x00, 0xA4): self._select,
            (0x00, 0xB0): self._read_binary,
            (0xBF, 0xDE): self._init_for_cipher,
            (0x80, 0xFA): self._cipher_data,
        }

    @classmethod
    def with_keys(
        cls,
        keys: Iterable[PsamKey],
        terminal_number: str,
        serial: bytes = bytes.fromhex("50534D01"),
        *,
        protocol: Protocol_ = "T0",
    ) -> SoftPsam:
        """A new PSAM personalised with ``keys`` for the terminal ``terminal_number``."""
        return cls(PsamMemory(serial, terminal_number, list(keys)), protocol=protocol)

    def __repr__(self) -> str:
        return (
            f"SoftPsam(terminal {self.memory.terminal_number}, {len(self.memory.keys)} keys, "
            f"{self.protocol})"
        )

    @property
    def atr(self) -> bytes:
        return ATR_PREFIX + HISTORICAL_PREFIX + self.memory.serial

    def clear_security_state(self) -> None:
        super().clear_security_state()
        self._selected = False
        self._session = None

    def _select(self, command: CommandApdu) -> Response:
        if command.p2 != 0x00:
            raise CommandError(status.WRONG_P1P2)
        if command.p1 == 0x04 and command.data == PSAM_AID:
            self._selected = True
            return encode_ber_tlv(0x6F, encode_ber_tlv(0x84, PSAM_AID)), status.OK
        if command.p1 == 0x00 and command.data == MF_FID.to_bytes(2, "big"):
            self._selected = False
            return b"", status.OK
        if command.p1 not in (0x00, 0x04):
            raise CommandError(status.WRONG_P1P2)
        raise CommandError(status.FILE_NOT_FOUND)

    def _read_binary(self, command: CommandApdu) -> Response:
        if command.data or command.le is None:
            raise CommandError(status.WRONG_LENGTH)
        if not command.p1 & 0x80:
            raise CommandError(status.NO_CURRENT_EF)
        if command.p1 & 0x1F != TERMINAL_NUMBER_SFI or command.p1 & 0x60:
            raise CommandError(status.FILE_NOT_FOUND)
        content = encode_cn(self.memory.terminal_number, TERMINAL_NUMBER_LENGTH)
        if command.p2 >= len(content):
            raise CommandError(status.WRONG_P1P2)
        chunk = content[command.p2 : command.p2 + command.le]
        if self.protocol == "T0" and len(chunk) != command.le:
            raise wrong_le(len(chunk))
        return chunk, status.OK

    def _init_for_cipher(self, command: CommandApdu) -> Response:
        if not self._selected:
            raise CommandError(status.CONDITIONS_NOT_SATISFIED)
        if len(command.data) != 3 * FACTOR_LENGTH or command.le is not None:
            raise CommandError(status.WRONG_LENGTH)
        levels, key_type = command.p1 >> 5, command.p1 & 0x1F
        algorithm = ALGORITHM_FLAGS.get(command.p2 >> 4)
        if levels != DIVERSIFICATION_LEVELS or key_type not in KEY_TYPES or algorithm is None:
            raise CommandError(status.WRONG_P1P2)
        master = self.memory.key(key_type, algorithm, command.p2 & 0x0F)
        card_factor = command.data[:FACTOR_LENGTH]
        city_factor = command.data[FACTOR_LENGTH : 2 * FACTOR_LENGTH]
        process_factor = command.data[2 * FACTOR_LENGTH :]
        city = diversify(algorithm, master.value, city_factor)
        card = diversify(algorithm, city, card_factor)
        self._session = _Session(algorithm, session_key(algorithm, card, process_factor))
        return b"", status.OK

    def _cipher_data(self, command: CommandApdu) -> Response:
        if command.p1 or command.p2:
            raise CommandError(status.WRONG_P1P2)
        if len(command.data) != FACTOR_LENGTH:
            raise CommandError(status.WRONG_LENGTH)
        if self._session is None:
            raise CommandError(status.CONDITIONS_NOT_SATISFIED)
        return cryptogram(self._session.algorithm, self._session.key, command.data), status.OK
