"""``Pkcs11KeyStore``: master keys in a PKCS#11 token (SoftHSM2 in tests, an HSM in production).

Master keys are token objects that never leave the token in clear (sensitive). The
diversification chain runs inside the token with ``C_DeriveKey``: ``CKM_AES_ECB_ENCRYPT_DATA``
and ``CKM_DES3_ECB_ENCRYPT_DATA`` over ``D ‖ ~D`` are exactly profile §5's diversification
(E_K(D ‖ ~D) for a 16-byte block; E_K(D) ‖ E_K(~D) for 3DES, the token setting DES parity).
City, card and session keys are session objects, sensitive and non-extractable, destroyed
after each operation. SM4 is not a PKCS#11 2.40 mechanism and SoftHSM2 lacks it: asking
for it raises ``UnsupportedAlgorithm``, never a software fallback.

Token policy, as far as PKCS#11 2.40 lets a token enforce it: master keys can only derive
(no encrypt/decrypt), and are extractable only so that they can leave wrapped under a
transport key (PSAM export); transport keys can only wrap. PKCS#11 lets whoever holds the
user PIN choose the attributes of derived keys, so on a production HSM restrict derivation
with the vendor's policy (or PKCS#11 3.0 ``CKA_DERIVE_TEMPLATE``); the PIN is a master secret.

Objects are labelled ``sscard/<label>/<version>``; ``CKA_ID`` holds the purpose and KCV as
JSON. Each key's KCV is computed by the token at creation, while the key can still encrypt.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pkcs11
import pkcs11.exceptions
from pkcs11 import DEFAULT, Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.types import SignMixin

from keys.algorithms import CARD_KEY_PURPOSES, Algorithm, KeyPurpose
from keys.compare import constant_time_equal
from keys.components import KeyComponent, combine_components
from keys.cryptogram import ORIGINAL_DATA_LENGTH
from keys.diversify import (
    CardKeyPath,
    card_factor,
    city_factor,
    diversification_data,
)
from keys.errors import CeremonyLogElsewhere, StoreLocked, TokenError, UnsupportedAlgorithm
from keys.kcv import KCV_LENGTH, key_check_value
from keys.mac import MAC_LENGTH, pin_command_mac_input
from keys.pin import pin_block
from keys.store import (
    ClosingStore,
    KeyInfo,
    KeyRef,
    find,
    latest,
    new_key_version,
    require_cryptogram_key,
    require_purpose,
)

log = logging.getLogger(__name__)

_PREFIX = "sscard/"
# The ceremony log's MAC key (not a card key: outside the ``sscard/`` labels).
_LOG_KEY_LABEL = "sscard-ceremony-log-mac"
_LOG_PLACE_LABEL = "sscard-ceremony-log-place"
_SM4_PADDING = b"\x80" + bytes(7)

#: Registers a derived session key for destruction when the operation ends.
Keep = Callable[[pkcs11.SecretKey], pkcs11.SecretKey]


class _DerivationStringData(ctypes.Structure):
    """CK_KEY_DERIVATION_STRING_DATA, which python-pkcs11 builds only for AES."""

    _fields_ = (("data", ctypes.c_void_p), ("length", ctypes.c_ulong))


@contextlib.contextmanager
def _token_errors() -> Iterator[None]:
    """Translate python-pkcs11 exceptions into ``TokenError`` (the one translation point)."""
    try:
        yield
    except pkcs11.exceptions.PinIncorrect:
        raise StoreLocked("the PIN does not open this token") from None
    except pkcs11.exceptions.PKCS11Error as error:
        raise TokenError(f"the token refused the operation ({type(error).__name__})") from None


class Pkcs11KeyStore(ClosingStore):
    """Master keys kept in a PKCS#11 token; card cryptography done inside it.

    Open with ``Pkcs11KeyStore.open(module, token_label, user_pin)``; a context manager.
    """

    def __init__(self, session: pkcs11.Session, description: str) -> None:
        """Use ``open``."""
        self._session = session
        self._description = description

    @classmethod
    def open(cls, module: str, token_label: str, user_pin: str) -> Pkcs11KeyStore:
        """Log in to the token labelled ``token_label`` through PKCS#11 library ``module``."""
        if not Path(module).is_file():
            raise TokenError(
                f"no PKCS#11 module at {module}: install the HSM's library, or give its path "
                "(SoftHSM2: /usr/lib/softhsm/libsofthsm2.so from Debian's softhsm2)"
            )
        with _token_errors():
            token = pkcs11.lib(module).get_token(token_label=token_label)
            try:
                session = token.open(rw=True, user_pin=user_pin)
            except pkcs11.exceptions.UserAlreadyLoggedIn:
                # Login is per application: another store of this process already logged in.
                session = token.open(rw=True)
            description = f"{token.manufacturer_id.strip()} {token.model.strip()} {token_label!r}"
        return cls(session, description)

    def __repr__(self) -> str:
        return f"Pkcs11KeyStore({self._description})"

    def close(self) -> None:
        """Log out and close the session."""
        with _token_errors():
            self._session.close()

    def list_keys(self) -> list[KeyInfo]:
        """Every key of this project in the token (all versions), sorted."""
        with _token_errors():
            objects = list(self._session.get_objects({Attribute.CLASS: ObjectClass.SECRET_KEY}))
            infos = [info for obj in objects if (info := _info(obj)) is not None]
        return sorted(infos, key=lambda info: info.ref)

    def generate(self, label: str, algorithm: Algorithm, purpose: KeyPurpose) -> KeyInfo:
        """Create version 1 of a new key, generated inside the token."""
        self._check_supported(algorithm)
        version = new_key_version(self.list_keys(), label, algorithm, purpose, may_exist=False)
        return self._generate(label, version, algorithm, purpose)

    def import_components(
        self,
        label: str,
        algorithm: Algorithm,
        purpose: KeyPurpose,
        components: Sequence[KeyComponent],
    ) -> KeyInfo:
        """Store the key formed from checked components (next version if the label exists)."""
        self._check_supported(algorithm)
        version = new_key_version(self.list_keys(), label, algorithm, purpose, may_exist=True)
        value = combine_components(algorithm, components)
        template = {Attribute.VALUE: value, **_key_template(algorithm, purpose, label, version)}
        with _token_errors():
            key = self._session.create_object(template)
        return self._finish(
            key, label, version, algorithm, purpose, key_check_value(algorithm, value)
        )

    def rotate(self, label: str) -> KeyInfo:
        """Add the next version of ``label``, generated inside the token."""
        keys = self.list_keys()
        current = latest(keys, label)
        version = new_key_version(keys, label, current.algorithm, current.purpose, may_exist=True)
        return self._generate(label, version, current.algorithm, current.purpose)

    def cryptogram(
        self, ref: KeyRef, path: CardKeyPath, process_factor: bytes, original: bytes
    ) -> bytes:
        """The authentication cryptogram of the card at ``path``, computed in the token."""
        if len(original) != ORIGINAL_DATA_LENGTH:
            raise ValueError("cryptogram original data is 8 bytes")
        info, master = self._master(ref)
        require_cryptogram_key(info)
        with self._derived() as keep:
            card = self._card_key(keep, info.algorithm, master, path, encrypt=False)
            session = keep(_derive(info.algorithm, card, process_factor, _session_template()))
            if info.algorithm is Algorithm.TDES:
                return _encrypt(session, Mechanism.DES3_ECB, original)
            return _encrypt(session, Mechanism.AES_ECB, original + _SM4_PADDING)[:8]

    def pin_command_mac(
        self, ref: KeyRef, path: CardKeyPath, challenge: bytes, header: bytes, data: bytes
    ) -> bytes:
        """The 4-byte RELOAD/UNBLOCK PIN MAC under the card's PIN-reload key, in the token."""
        info, master = self._master(ref)
        require_purpose(info, KeyPurpose.PIN_RELOAD)
        iv, padded = pin_command_mac_input(info.algorithm, challenge, header, data)
        with self._derived() as keep:
            card = self._card_key(keep, info.algorithm, master, path, encrypt=True)
            if info.algorithm is not Algorithm.TDES:
                return _encrypt(card, Mechanism.AES_CBC, padded, iv)[-16:][:MAC_LENGTH]
            # Retail MAC: single-DES chain under K1, then 3DES on the last block. K1 is the
            # left half of the card key, E_city(D) with parity: derive it as the 3DES key
            # K1‖K1‖K1 (from D‖D‖D), which is single DES under K1.
            city = self._city_key(keep, info.algorithm, master, path)
            factor = card_factor(path.card_identification_code)
            k1 = keep(_derive_des(city, factor * 3, KeyType.DES3, _session_template()))
            chain = iv
            if len(padded) > 8:
                chain = _encrypt(k1, Mechanism.DES3_CBC, padded[:-8], iv)[-8:]
            last = bytes(a ^ b for a, b in zip(chain, padded[-8:], strict=True))
            return _encrypt(card, Mechanism.DES3_ECB, last)[:MAC_LENGTH]

    def encrypt_pin(self, ref: KeyRef, path: CardKeyPath, pin_bcd: bytes) -> bytes:
        """UNBLOCK PIN's enciphered new PIN under the card's PIN-reload key, in the token."""
        info, master = self._master(ref)
        require_purpose(info, KeyPurpose.PIN_RELOAD)
        block = pin_block(info.algorithm, pin_bcd)
        with self._derived() as keep:
            card = self._card_key(keep, info.algorithm, master, path, encrypt=True)
            return _encrypt(card, _ecb(info.algorithm), block)

    def export_wrapped(self, ref: KeyRef, transport: KeyRef) -> bytes:
        """Key ``ref`` wrapped under transport key ``transport`` (AES-KW, in the token)."""
        info, key = self._master(ref)
        require_purpose(info, *sorted(CARD_KEY_PURPOSES))
        return self._wrap(transport, key)

    def derive_card_key_wrapped(self, ref: KeyRef, path: CardKeyPath, transport: KeyRef) -> bytes:
        """The card key at ``path`` derived in the token and wrapped under ``transport``."""
        info, master = self._master(ref)
        require_purpose(info, *sorted(CARD_KEY_PURPOSES))
        with self._derived() as keep:
            city = self._city_key(keep, info.algorithm, master, path)
            factor = card_factor(path.card_identification_code)
            template = {**_session_template(), Attribute.EXTRACTABLE: True}
            card = keep(_derive(info.algorithm, city, factor, template))
            return self._wrap(transport, card)

    def keep_log_at(self, path: Path) -> None:
        """Record ``path`` as this token's ceremony log at first use; afterwards refuse any
        other (a token's steps are logged in one place, not wherever a command says)."""
        place = str(path.resolve()).encode()
        with _token_errors():
            records = list(
                self._session.get_objects(
                    {Attribute.CLASS: ObjectClass.DATA, Attribute.LABEL: _LOG_PLACE_LABEL}
                )
            )
            if not records:
                self._session.create_object(
                    {
                        Attribute.CLASS: ObjectClass.DATA,
                        Attribute.LABEL: _LOG_PLACE_LABEL,
                        Attribute.APPLICATION: "sscard",
                        Attribute.VALUE: place,
                        Attribute.TOKEN: True,
                        Attribute.PRIVATE: True,
                    }
                )
                return
            recorded = bytes(records[0][Attribute.VALUE])
        if recorded != place:
            raise CeremonyLogElsewhere(recorded.decode())

    def log_mac(self, data: bytes) -> bytes:
        """HMAC-SHA256 inside the token under its ceremony-log key (made at first use:
        a token object, sensitive, never extractable)."""
        with _token_errors():
            keys = list(
                self._session.get_objects(
                    {Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.LABEL: _LOG_KEY_LABEL}
                )
            )
            if keys:
                key = keys[0]
                assert isinstance(key, SignMixin)  # noqa: S101 - a secret key the token can sign with
            else:
                key = self._session.generate_key(
                    KeyType.GENERIC_SECRET,
                    256,
                    label=_LOG_KEY_LABEL,
                    store=True,
                    template={
                        Attribute.SENSITIVE: True,
                        Attribute.EXTRACTABLE: False,
                        Attribute.SIGN: True,
                        Attribute.VERIFY: True,
                        Attribute.ENCRYPT: False,
                        Attribute.DECRYPT: False,
                        Attribute.WRAP: False,
                        Attribute.UNWRAP: False,
                        Attribute.DERIVE: False,
                    },
                )
            assert isinstance(key, SignMixin)  # noqa: S101 - generated with SIGN
            return bytes(key.sign(data, mechanism=Mechanism.SHA256_HMAC))

    def _check_supported(self, algorithm: Algorithm) -> None:
        if algorithm is Algorithm.SM4:
            raise UnsupportedAlgorithm(algorithm.value, self._description)

    def _master(self, ref: KeyRef) -> tuple[KeyInfo, pkcs11.SecretKey]:
        with _token_errors():
            objects = list(
                self._session.get_objects(
                    {Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.LABEL: _object_label(ref)}
                )
            )
        ours = [(info, obj) for obj in objects if (info := _info(obj)) is not None]
        if len(ours) > 1:  # two ceremonies raced past the label check: never pick one
            raise TokenError(
                f"the token holds {len(ours)} keys labelled {ref}: a ceremony must remove all "
                "but one (compare their check values with the ceremony log) before it is used"
            )
        info = find([info for info, _ in ours], ref)
        key = next(obj for candidate, obj in ours if candidate is info)
        assert isinstance(key, pkcs11.SecretKey)  # noqa: S101 - CLASS was filtered on
        return info, key

    @contextlib.contextmanager
    def _derived(self) -> Iterator[Keep]:
        """Collect derived session keys and destroy them when the operation ends."""
        derived: list[pkcs11.SecretKey] = []

        def keep(key: pkcs11.SecretKey) -> pkcs11.SecretKey:
            derived.append(key)
            return key

        try:
            with _token_errors():
                yield keep
        finally:
            with _token_errors():
                for key in derived:
                    key.destroy()

    def _city_key(
        self, keep: Keep, algorithm: Algorithm, master: pkcs11.SecretKey, path: CardKeyPath
    ) -> pkcs11.SecretKey:
        template = {**_session_template(), Attribute.ENCRYPT: False, Attribute.DERIVE: True}
        return keep(_derive(algorithm, master, city_factor(path.region_code), template))

    def _card_key(
        self,
        keep: Keep,
        algorithm: Algorithm,
        master: pkcs11.SecretKey,
        path: CardKeyPath,
        *,
        encrypt: bool,
    ) -> pkcs11.SecretKey:
        city = self._city_key(keep, algorithm, master, path)
        factor = card_factor(path.card_identification_code)
        template = {**_session_template(), Attribute.ENCRYPT: encrypt, Attribute.DERIVE: True}
        return keep(_derive(algorithm, city, factor, template))

    def _wrap(self, transport: KeyRef, key: pkcs11.SecretKey) -> bytes:
        info, kek = self._master(transport)
        require_purpose(info, KeyPurpose.TRANSPORT)
        wrapping_key: Any = kek
        with _token_errors():
            wrapped = wrapping_key.wrap_key(key, mechanism=Mechanism.AES_KEY_WRAP)
        assert isinstance(wrapped, bytes)  # noqa: S101 - C_WrapKey returns bytes
        return wrapped

    def _generate(
        self, label: str, version: int, algorithm: Algorithm, purpose: KeyPurpose
    ) -> KeyInfo:
        self._check_supported(algorithm)
        key_type, bits = _key_type(algorithm)
        template = _key_template(algorithm, purpose, label, version)
        with _token_errors():
            key = self._session.generate_key(
                key_type, bits if key_type is KeyType.AES else None, template=template
            )
        return self._finish(key, label, version, algorithm, purpose, None)

    def _finish(
        self,
        key: Any,
        label: str,
        version: int,
        algorithm: Algorithm,
        purpose: KeyPurpose,
        expected_kcv: bytes | None,
    ) -> KeyInfo:
        """Compute the KCV in the token, take away ENCRYPT, record purpose and KCV."""
        with _token_errors():
            kcv = _encrypt(key, _ecb(algorithm), bytes(algorithm.block_size))[:KCV_LENGTH]
            key[Attribute.ENCRYPT] = False
            if expected_kcv is not None and not constant_time_equal(kcv, expected_kcv):
                key.destroy()
                raise TokenError("the token computes a different check value for the key")
            key[Attribute.ID] = _object_id(purpose, kcv)
        info = KeyInfo(label, version, algorithm, purpose, kcv)
        log.info(
            "key %s stored in %s (%s %s, KCV %s)",
            info.ref,
            self._description,
            algorithm,
            purpose,
            kcv.hex().upper(),
        )
        return info


def _object_label(ref: KeyRef) -> str:
    return f"{_PREFIX}{ref.label}/{ref.version}"


def _object_id(purpose: KeyPurpose, kcv: bytes) -> bytes:
    return json.dumps({"purpose": purpose.value, "kcv": kcv.hex().upper()}).encode()


def _info(obj: Any) -> KeyInfo | None:
    """The key an object of this project holds; None for any other object in the token.

    A token is shared: objects another application (or an older layout) left there, even
    under a label that starts like ours, are not this store's keys and are passed over.
    """
    parts = str(obj[Attribute.LABEL]).split("/")
    if len(parts) != 3 or f"{parts[0]}/" != _PREFIX or not parts[2].isdecimal():
        return None
    try:
        metadata = json.loads(bytes(obj[Attribute.ID]))
        purpose, kcv = KeyPurpose(metadata["purpose"]), bytes.fromhex(metadata["kcv"])
        key_type = obj[Attribute.KEY_TYPE]
        if key_type == KeyType.DES2:
            algorithm = Algorithm.TDES
        elif key_type == KeyType.AES:
            algorithm = Algorithm.AES128 if obj[Attribute.VALUE_LEN] == 16 else Algorithm.AES256
        else:
            return None
    except (ValueError, KeyError, TypeError, pkcs11.exceptions.PKCS11Error):
        return None
    return KeyInfo(parts[1], int(parts[2]), algorithm, purpose, kcv)


def _key_type(algorithm: Algorithm) -> tuple[KeyType, int]:
    if algorithm is Algorithm.TDES:
        return KeyType.DES2, 128
    return KeyType.AES, algorithm.key_length * 8


def _key_template(
    algorithm: Algorithm, purpose: KeyPurpose, label: str, version: int
) -> dict[Attribute, Any]:
    key_type, _ = _key_type(algorithm)
    transport = purpose is KeyPurpose.TRANSPORT
    return {
        Attribute.CLASS: ObjectClass.SECRET_KEY,
        Attribute.KEY_TYPE: key_type,
        Attribute.LABEL: _object_label(KeyRef(label, version)),
        Attribute.ID: _object_id(purpose, bytes(KCV_LENGTH)),
        Attribute.TOKEN: True,
        Attribute.PRIVATE: True,
        Attribute.SENSITIVE: True,
        Attribute.EXTRACTABLE: not transport,
        Attribute.ENCRYPT: True,  # only until the KCV is computed, see _finish
        Attribute.DECRYPT: False,
        Attribute.SIGN: False,
        Attribute.VERIFY: False,
        Attribute.WRAP: transport,
        Attribute.UNWRAP: False,
        Attribute.DERIVE: not transport,
    }


def _session_template() -> dict[Attribute, Any]:
    return {
        Attribute.TOKEN: False,
        Attribute.SENSITIVE: True,
        Attribute.EXTRACTABLE: False,
        Attribute.ENCRYPT: True,
        Attribute.DECRYPT: False,
        Attribute.DERIVE: False,
        Attribute.WRAP: False,
        Attribute.UNWRAP: False,
        Attribute.SIGN: False,
        Attribute.VERIFY: False,
    }


def _ecb(algorithm: Algorithm) -> Mechanism:
    return Mechanism.DES3_ECB if algorithm is Algorithm.TDES else Mechanism.AES_ECB


def _encrypt(key: Any, mechanism: Mechanism, data: bytes, iv: bytes | None = None) -> bytes:
    result = key.encrypt(data, mechanism=mechanism, mechanism_param=iv)
    assert isinstance(result, bytes)  # noqa: S101 - bytes in, bytes out
    return result


def _derive(
    algorithm: Algorithm, parent: Any, factor: bytes, template: dict[Attribute, Any]
) -> pkcs11.SecretKey:
    """Profile §5's diversification of ``parent`` by ``factor``, as a new session key."""
    data = diversification_data(factor)
    if algorithm is Algorithm.TDES:
        return _derive_des(parent, data, KeyType.DES2, template)
    key = parent.derive_key(
        KeyType.AES,
        128,
        mechanism=Mechanism.AES_ECB_ENCRYPT_DATA,
        mechanism_param=data,
        template=template,
    )
    assert isinstance(key, pkcs11.SecretKey)  # noqa: S101 - a derived key is a secret key
    return key


def _derive_des(
    parent: Any, data: bytes, key_type: KeyType, template: dict[Attribute, Any]
) -> pkcs11.SecretKey:
    """``E_parent(data)`` (3DES ECB) as a new DES2/DES3 key; the token sets DES parity."""
    buffer = ctypes.create_string_buffer(data, len(data))
    parameter = _DerivationStringData(ctypes.addressof(buffer), len(data))
    key = parent.derive_key(
        key_type,
        len(data) * 8,
        mechanism=Mechanism.DES3_ECB_ENCRYPT_DATA,
        mechanism_param=bytes(parameter),
        # DES keys have a fixed length: the token refuses CKA_VALUE_LEN for them.
        template={**template, Attribute.VALUE_LEN: DEFAULT},
    )
    assert isinstance(key, pkcs11.SecretKey)  # noqa: S101 - a derived key is a secret key
    return key
