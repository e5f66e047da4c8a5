"""The software store's file: encryption at rest, atomic writes, refusal of damaged files."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from keys.algorithms import Algorithm, KeyPurpose
from keys.errors import StoreChanged, StoreCorrupted, StoreLocked
from keys.software_store import SoftwareKeyStore
from keys.store_file import KeyFile, Passphrase, write_key_file

from .conftest import FAST_SCRYPT, PASSPHRASE, components

PART_A = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
PART_B = bytes.fromhex("0F1E2D3C4B5A69788796A5B4C3D2E1F0")
MASTER = bytes(a ^ b for a, b in zip(PART_A, PART_B, strict=True))


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """A store holding one imported SM4 key and one generated 3DES key."""
    path = tmp_path / "keys.json"
    with SoftwareKeyStore.create(path, PASSPHRASE, FAST_SCRYPT) as store:
        store.import_components(
            "irk",
            Algorithm.SM4,
            KeyPurpose.INTERNAL_AUTH,
            components(Algorithm.SM4, PART_A, PART_B),
        )
        store.generate("uk", Algorithm.TDES, KeyPurpose.UPDATE)
    return path


def test_reopen_gives_the_same_keys(store_path: Path) -> None:
    with SoftwareKeyStore.open(store_path, PASSPHRASE) as store:
        assert [(i.label, i.version, i.algorithm) for i in store.list_keys()] == [
            ("irk", 1, Algorithm.SM4),
            ("uk", 1, Algorithm.TDES),
        ]


def test_file_holds_no_key_in_clear_and_is_private(store_path: Path) -> None:
    assert MASTER.hex() not in store_path.read_text().lower()
    assert stat.S_IMODE(store_path.stat().st_mode) == 0o600
    assert sorted(p.name for p in store_path.parent.iterdir()) == ["keys.json", "keys.json.lock"]


def test_wrong_passphrase_is_refused(store_path: Path) -> None:
    with pytest.raises(StoreLocked, match="does not open this store"):
        SoftwareKeyStore.open(store_path, Passphrase("wrong"))


def test_key_file_store(tmp_path: Path) -> None:
    key_file = KeyFile(tmp_path / "kek.bin")
    write_key_file(key_file.path)
    path = tmp_path / "keys.json"
    with SoftwareKeyStore.create(path, key_file) as store:
        info = store.generate("irk", Algorithm.AES128, KeyPurpose.INTERNAL_AUTH)
    with SoftwareKeyStore.open(path, key_file) as store:
        assert store.list_keys() == [info]
    with pytest.raises(StoreLocked, match="key file, not a passphrase"):
        SoftwareKeyStore.open(path, PASSPHRASE)
    other = KeyFile(tmp_path / "other.bin")
    write_key_file(other.path)
    with pytest.raises(StoreLocked):
        SoftwareKeyStore.open(path, other)
    other.path.write_bytes(bytes(31))
    with pytest.raises(ValueError, match="32 bytes"):
        SoftwareKeyStore.open(path, other)


def test_create_never_overwrites(store_path: Path) -> None:
    before = store_path.read_bytes()
    with pytest.raises(FileExistsError):
        SoftwareKeyStore.create(store_path, PASSPHRASE, FAST_SCRYPT)
    assert store_path.read_bytes() == before


@pytest.mark.parametrize("keep", [0, 1, 100, -2])
def test_truncated_file_is_refused(store_path: Path, keep: int) -> None:
    store_path.write_bytes(store_path.read_bytes()[:keep])
    with pytest.raises(StoreCorrupted, match="truncated or malformed"):
        SoftwareKeyStore.open(store_path, PASSPHRASE)


def _tamper(path: Path, change: object) -> None:
    document = json.loads(path.read_text())
    assert callable(change)
    change(document)
    path.write_text(json.dumps(document))


def _flip(text: str) -> str:
    return ("1" if text[0] == "0" else "0") + text[1:]


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["keys"][0].update(sealed=_flip(d["keys"][0]["sealed"])),
        lambda d: d["keys"][0].update(label="rkssse"),
        lambda d: d["keys"][0].update(purpose="UK"),
        lambda d: d["keys"][1].update(kcv="000000"),
        lambda d: d["keys"].pop(),
        lambda d: d["keys"].append(d["keys"][0]),
        lambda d: d.update(mac=_flip(d["mac"])),
    ],
    ids=["value", "label", "purpose", "kcv", "removed", "duplicated", "mac"],
)
def test_altered_file_is_refused_and_left_as_is(store_path: Path, change: object) -> None:
    _tamper(store_path, change)
    altered = store_path.read_bytes()
    with pytest.raises(StoreCorrupted, match="altered"):
        SoftwareKeyStore.open(store_path, PASSPHRASE)
    assert store_path.read_bytes() == altered


def test_altered_header_reads_as_locked(store_path: Path) -> None:
    _tamper(store_path, lambda d: d.update(check=_flip(d["check"])))
    with pytest.raises(StoreLocked):
        SoftwareKeyStore.open(store_path, PASSPHRASE)


def test_concurrent_writer_is_detected(store_path: Path) -> None:
    first = SoftwareKeyStore.open(store_path, PASSPHRASE)
    second = SoftwareKeyStore.open(store_path, PASSPHRASE)
    first.rotate("uk")
    with pytest.raises(StoreChanged):
        second.rotate("irk")
    with SoftwareKeyStore.open(store_path, PASSPHRASE) as store:
        assert [i.version for i in store.list_keys() if i.label == "uk"] == [1, 2]
        assert [i.version for i in store.list_keys() if i.label == "irk"] == [1]


def test_repr_names_the_file_only(store_path: Path) -> None:
    with SoftwareKeyStore.open(store_path, PASSPHRASE) as store:
        assert repr(store) == f"SoftwareKeyStore({str(store_path)!r}, 2 keys)"
    assert "wrong" not in repr(Passphrase("wrong"))


@pytest.mark.parametrize(
    "kek",
    [{"n": 2**40}, {"n": 2**21}, {"r": 1024}, {"p": 10**6}],
    ids=["n=2**40", "n=2**21", "r=1024", "p=10**6"],
)
def test_scrypt_costs_from_the_file_are_bounded_before_use(
    store_path: Path, kek: dict[str, int]
) -> None:
    """The cost is read before the MAC can be checked: an edited file is refused at once,
    never left to exhaust memory."""
    _tamper(store_path, lambda d: d["kek"].update(kek))
    with pytest.raises(StoreCorrupted):
        SoftwareKeyStore.open(store_path, PASSPHRASE)
