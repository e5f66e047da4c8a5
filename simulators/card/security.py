"""The soft card's security commands and access rights (profile §3, §5).

``CardSecurity`` holds the volatile security state of one power-up (the last challenge,
the read right opened by RKSSSE, the write right opened by UK) and runs GET CHALLENGE,
INTERNAL AUTHENTICATE, EXTERNAL AUTHENTICATE, RELOAD PIN and UNBLOCK PIN over the card's
``CardMemory``. The cryptography is the ``keys`` package's pure functions.

[profile] choices made here (docs/card.md lists them):

- EXTERNAL AUTHENTICATE takes its process factor from the card's challenge: the host asks
  ``GET CHALLENGE`` with Le ``10`` and the 16 bytes are ``orig ‖ pf`` (first 8 = orig,
  second 8 = pf, as profile §5 orders the two challenges). The card accepts only if the
  last challenge was 16 bytes, unused, and its first half equals the ``orig`` sent; else
  ``6984``. The challenge is used up by the attempt, right or wrong.
- RELOAD/UNBLOCK PIN need a 4-byte challenge (``GET CHALLENGE`` Le ``04``), also used up.
- A wrong cryptogram answers ``63Cx`` (x tries left, ``63C0`` on the last), then ``6983``;
  a wrong MAC answers ``6988`` and counts against PRK the same way. Success restores the
  key's tries. INTERNAL AUTHENTICATE uses no try (the card proves, nobody guesses).
- Access conditions name a key: a card without that key keeps its pre-keys behaviour
  (a keyless 3.00 card reads freely; writes stay refused).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from keys.algorithms import Algorithm, KeyPurpose, ecb_decrypt
from keys.compare import constant_time_equal
from keys.cryptogram import cryptogram
from keys.diversify import session_key
from keys.mac import MAC_LENGTH, pin_command_mac
from readers.iso7816 import status
from readers.iso7816.apdu import CommandApdu
from simulators.card.dispatch import CommandError, Response
from simulators.card.filesystem import EF05_FID, EF06_FID
from simulators.card.keyring import EXTERNAL_KEY_IDS, KEY_TRIES, StoredKey, card_algorithm
from simulators.card.memory import PIN_MAX_BYTES, PIN_MIN_BYTES, PIN_TRIES, CardMemory, is_pin_block

CHALLENGE_LENGTHS = (4, 8, 16)
FACTOR_LENGTH = 8
EXTERNAL_CHALLENGE_LENGTH = 16
MAC_CHALLENGE_LENGTH = 4
CARD_NUMBER_TAG = 0x07


def card_cryptogram(algorithm: Algorithm, key: bytes, process_factor: bytes, orig: bytes) -> bytes:
    """The cryptogram over ``orig`` under diversify(card key, pf) (profile §5)."""
    return cryptogram(algorithm, session_key(algorithm, key, process_factor), orig)


def parse_pin_block(algorithm: Algorithm, plain: bytes) -> bytes | None:
    """The PIN of a deciphered ``len ‖ PIN ‖ 80 00…`` block; None if it is not one."""
    if not plain or len(plain) % algorithm.block_size:
        return None
    length = plain[0]
    if not PIN_MIN_BYTES <= length <= PIN_MAX_BYTES:
        return None
    pin, padding = plain[1 : 1 + length], plain[1 + length :]
    if padding[:1] != b"\x80" or any(padding[1:]) or len(padding) > algorithm.block_size:
        return None
    return pin if is_pin_block(pin) else None


@dataclass
class _Rights:
    read: bool = False
    write: bool = False


class CardSecurity:
    """Challenges, key commands and access rights of one card (see the module docstring)."""

    def __init__(
        self,
        memory: CardMemory,
        changed: Callable[[], None],
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        self.memory = memory
        self._changed = changed
        self._random_bytes = random_bytes
        self.challenge: bytes | None = None
        self._rights = _Rights()

    @property
    def algorithm(self) -> Algorithm:
        return card_algorithm(self.memory.generation)

    def clear(self) -> None:
        """Power-on, power-off and reset: the challenge and every opened right are gone."""
        self.challenge = None
        self._rights = _Rights()

    # --- access rights ---

    def may_read(self, fid: int, record: bytes) -> bool:
        """3.00 cards with an RKSSSE key withhold EF05 tag 07 and EF06 until RKSSSE."""
        if self.memory.generation != "3.00" or KeyPurpose.READ not in self.memory.keys:
            return True
        protected = fid == EF06_FID or (fid == EF05_FID and record[:1] == bytes((CARD_NUMBER_TAG,)))
        return self._rights.read or not protected

    def may_write(self) -> bool:
        """UPDATE RECORD / UPDATE BINARY need EXTERNAL AUTHENTICATE with UK (key 04)."""
        return self._rights.write

    # --- commands ---

    def get_challenge(self, command: CommandApdu) -> Response:
        if command.p1 or command.p2:
            raise CommandError(status.WRONG_P1P2)
        if command.data or command.le not in CHALLENGE_LENGTHS:
            raise CommandError(status.WRONG_LENGTH)
        self.challenge = self._random_bytes(command.le)
        return self.challenge, status.OK

    def internal_authenticate(self, command: CommandApdu) -> Response:
        """``00 88 00 00 10 pf orig``: the cryptogram under diversify(IRK, pf)."""
        if command.p1 or command.p2:
            raise CommandError(status.WRONG_P1P2)
        if len(command.data) != 2 * FACTOR_LENGTH:
            raise CommandError(status.WRONG_LENGTH)
        key = self._key(KeyPurpose.INTERNAL_AUTH)
        pf, orig = command.data[:FACTOR_LENGTH], command.data[FACTOR_LENGTH:]
        return card_cryptogram(self.algorithm, key.value, pf, orig), status.OK

    def external_authenticate(self, command: CommandApdu) -> Response:
        """``00 82 00 keyId 10 crypt orig``: opens the read (0A) or write (04) right."""
        if command.p1:
            raise CommandError(status.WRONG_P1P2)
        purpose = EXTERNAL_KEY_IDS.get(command.p2)
        if purpose is None:
            raise CommandError(status.KEY_NOT_FOUND)
        if len(command.data) != 2 * FACTOR_LENGTH or command.le is not None:
            raise CommandError(status.WRONG_LENGTH)
        key = self._key(purpose)
        challenge = self._take_challenge(EXTERNAL_CHALLENGE_LENGTH)
        presented, orig = command.data[:FACTOR_LENGTH], command.data[FACTOR_LENGTH:]
        if key.blocked:
            raise CommandError(status.AUTHENTICATION_BLOCKED)
        if challenge is None or not constant_time_equal(challenge[:FACTOR_LENGTH], orig):
            raise CommandError(status.CHALLENGE_INVALID)
        pf = challenge[FACTOR_LENGTH:]
        expected = card_cryptogram(self.algorithm, key.value, pf, orig)
        right = "read" if purpose is KeyPurpose.READ else "write"
        if not constant_time_equal(expected, presented):
            setattr(self._rights, right, False)
            raise CommandError(self._count_failure(key))
        self._restore_tries(key)
        setattr(self._rights, right, True)
        return b"", status.OK

    def reload_pin(self, command: CommandApdu) -> Response:
        """``80 5E 00 00 Lc newPIN MAC``: a new PIN, MACed under PRK."""
        self._key(KeyPurpose.PIN_RELOAD)
        if command.le is not None or not (
            PIN_MIN_BYTES + MAC_LENGTH <= len(command.data) <= PIN_MAX_BYTES + MAC_LENGTH
        ):
            raise CommandError(status.WRONG_LENGTH)
        pin = self._check_mac(command)
        if not is_pin_block(pin):
            raise CommandError(status.WRONG_DATA)
        self._set_pin(pin)
        return b"", status.OK

    def unblock_pin(self, command: CommandApdu) -> Response:
        """``84 24 00 00 Lc E_PRK(len ‖ PIN ‖ 80…) MAC``: a new PIN, enciphered and MACed."""
        if (command.p1, command.p2) != (0x00, 0x00):
            raise CommandError(status.WRONG_P1P2)
        key = self._key(KeyPurpose.PIN_RELOAD)
        enciphered = command.data[:-MAC_LENGTH]
        if command.le is not None or not enciphered or len(enciphered) % self.algorithm.block_size:
            raise CommandError(status.WRONG_LENGTH)
        self._check_mac(command)
        pin = parse_pin_block(self.algorithm, ecb_decrypt(self.algorithm, key.value, enciphered))
        if pin is None:
            raise CommandError(status.WRONG_DATA)
        self._set_pin(pin)
        return b"", status.OK

    # --- helpers ---

    def _key(self, purpose: KeyPurpose) -> StoredKey:
        key = self.memory.keys.get(purpose)
        if key is None:
            raise CommandError(status.KEY_NOT_FOUND)
        return key

    def _take_challenge(self, length: int) -> bytes | None:
        challenge, self.challenge = self.challenge, None
        return challenge if challenge is not None and len(challenge) == length else None

    def _check_mac(self, command: CommandApdu) -> bytes:
        """Check the PIN command's MAC under PRK; the command data without its MAC."""
        key = self._key(KeyPurpose.PIN_RELOAD)
        challenge = self._take_challenge(MAC_CHALLENGE_LENGTH)
        if key.blocked:
            raise CommandError(status.AUTHENTICATION_BLOCKED)
        if challenge is None:
            raise CommandError(status.CHALLENGE_INVALID)
        data, presented = command.data[:-MAC_LENGTH], command.data[-MAC_LENGTH:]
        header = bytes((command.cla, command.ins, command.p1, command.p2))
        expected = pin_command_mac(self.algorithm, key.value, challenge, header, data)
        if not constant_time_equal(expected, presented):
            self._count_failure(key)
            raise CommandError(status.MAC_INVALID)
        self._restore_tries(key)
        return data

    def _count_failure(self, key: StoredKey) -> int:
        """Use one try; the ``63Cx`` word for what is left."""
        key.tries_left -= 1
        self._changed()
        return status.VERIFICATION_FAILED_MASK | key.tries_left

    def _restore_tries(self, key: StoredKey) -> None:
        if key.tries_left != KEY_TRIES:
            key.tries_left = KEY_TRIES
            self._changed()

    def _set_pin(self, pin: bytes) -> None:
        self.memory.pin = pin
        self.memory.pin_tries_left = PIN_TRIES
        self._changed()
