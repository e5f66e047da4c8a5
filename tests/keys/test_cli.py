"""The ``sscard-keys`` ceremonies, run through ``keys.cli.main``."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from keys.algorithms import Algorithm
from keys.ceremony_log import GENESIS
from keys.cli import main
from keys.kcv import key_check_value
from keys.wrap import unwrap_key

from .conftest import SoftHsmToken

COMPONENT_A = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
COMPONENT_B = bytes.fromhex("1032547698BADCFEEFCDAB8967452301")
TRANSPORT_PARTS = [bytes(range(32)), bytes(range(32, 64)), bytes(range(64, 96))]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A directory with a passphrase file, and a software store created in it."""
    (tmp_path / "pass.txt").write_text("ceremony passphrase\n")
    assert main([*store_args(tmp_path), "create", "--scrypt-n", "1024"]) == 0
    return tmp_path


def store_args(workdir: Path) -> list[str]:
    return ["--store", str(workdir / "keys.json"), "--passphrase-file", str(workdir / "pass.txt")]


def token_args(token: SoftHsmToken, workdir: Path, log: str | None = "token.log") -> list[str]:
    """The options that open the test token (its PIN in a file), with its ceremony log."""
    (workdir / "pin.txt").write_text(token.user_pin)
    args = ["--pkcs11-module", token.module, "--token-label", token.label]
    args += ["--pin-file", str(workdir / "pin.txt")]
    return args if log is None else [*args, "--log", str(workdir / log)]


def component_args(workdir: Path, algorithm: Algorithm, *values: bytes) -> list[str]:
    args = ["--custodians", str(len(values))]
    for number, value in enumerate(values, start=1):
        path = workdir / f"component-{number}.txt"
        path.write_text(value.hex().upper() + "\n")
        kcv = key_check_value(algorithm, value).hex()
        args += ["--component-file", str(path), "--component-kcv", kcv]
    return args


def log_lines(workdir: Path) -> list[bytes]:
    return (workdir / "keys.json.ceremony.log").read_bytes().splitlines()


def test_full_ceremony(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = store_args(workdir)
    assert (
        main([*base, "generate", "--label", "irk", "--algorithm", "SM4", "--purpose", "IRK"]) == 0
    )
    kind = ["--label", "uk", "--algorithm", "3DES", "--purpose", "UK"]
    parts = component_args(workdir, Algorithm.TDES, COMPONENT_A, COMPONENT_B)
    assert main([*base, "import", *kind, *parts]) == 0
    combined = bytes(a ^ b for a, b in zip(COMPONENT_A, COMPONENT_B, strict=True))
    assert (
        f"imported uk v1 (3DES, UK), KCV {key_check_value(Algorithm.TDES, combined).hex().upper()}"
        in capsys.readouterr().out
    )
    assert main([*base, "rotate", "--label", "irk"]) == 0
    kind = ["--label", "tk", "--algorithm", "AES-256", "--purpose", "TK"]
    assert (
        main([*base, "import", *kind, *component_args(workdir, Algorithm.AES256, *TRANSPORT_PARTS)])
        == 0
    )
    assert main([*base, "list"]) == 0
    listing = capsys.readouterr().out
    assert "irk" in listing
    assert "tk" in listing
    assert COMPONENT_A.hex() not in listing.lower()

    out = workdir / "psam.json"
    assert main([*base, "export-psam", "--transport", "tk", "--out", str(out)]) == 0
    transport = bytes(a ^ b ^ c for a, b, c in zip(*TRANSPORT_PARTS, strict=True))
    exported = json.loads(out.read_text())
    assert [(k["label"], k["version"]) for k in exported["keys"]] == [
        ("irk", 1),
        ("irk", 2),
        ("uk", 1),
    ]
    for key in exported["keys"]:
        value = unwrap_key(Algorithm.AES256, transport, bytes.fromhex(key["wrapped"]))
        assert key_check_value(Algorithm(key["algorithm"]), value).hex().upper() == key["kcv"]
    assert (
        main([*base, "export-psam", "--transport", "tk", "--out", str(out)]) == 1
    )  # never overwrites

    lines = log_lines(workdir)
    steps = [(json.loads(line)["event"], json.loads(line)["details"]["status"]) for line in lines]
    expected = [
        "store-created",
        "key-generated",
        "key-imported",
        "key-rotated",
        "key-imported",
        "keys-listed",
        "psam-keys-exported",
        "psam-keys-exported",  # the second export, refused: the file exists
    ]
    finished = ["done"] * 7 + ["failed"]
    assert steps == [
        pair
        for event, status in zip(expected, finished, strict=True)
        for pair in ((event, "begun"), (event, status))
    ]
    previous = GENESIS
    for line in lines:
        assert json.loads(line)["prev"] == previous
        previous = hashlib.sha256(line).hexdigest()
    text = b"\n".join(lines).decode().lower()
    for secret in [COMPONENT_A, COMPONENT_B, combined, transport, *TRANSPORT_PARTS]:
        assert secret[:8].hex() not in text
    assert main([*base, "verify-log"]) == 0
    assert "is intact: 16 lines" in capsys.readouterr().out


def test_wrong_component_kcv_is_refused_and_logged(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parts = component_args(workdir, Algorithm.TDES, COMPONENT_A, COMPONENT_B)
    parts[-1] = "000000"
    kind = ["--label", "uk", "--algorithm", "3DES", "--purpose", "UK"]
    assert main([*store_args(workdir), "import", *kind, *parts]) == 1
    assert "custodian 2" in capsys.readouterr().err
    last = json.loads(log_lines(workdir)[-1])
    assert (last["event"], last["details"]["status"]) == ("key-imported", "failed")
    assert (last["details"]["custodian"], last["details"]["reason"]) == (2, "ComponentCheckFailed")
    assert main([*store_args(workdir), "list"]) == 0
    assert "uk" not in capsys.readouterr().out


def test_tampered_log_is_detected(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = store_args(workdir)
    assert (
        main([*base, "generate", "--label", "irk", "--algorithm", "SM4", "--purpose", "IRK"]) == 0
    )
    assert main([*base, "list"]) == 0
    path = workdir / "keys.json.ceremony.log"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0] + lines[2])
    assert main([*base, "verify-log"]) == 1
    assert "line 2" in capsys.readouterr().err
    assert main([*base, "list"]) == 1  # a broken chain is never extended


def test_wrong_passphrase_is_refused_and_logged(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "pass.txt").write_text("not it\n")
    assert main([*store_args(workdir), "list"]) == 1
    assert "does not open this store" in capsys.readouterr().err
    last = json.loads(log_lines(workdir)[-1])
    assert (last["event"], last["details"]["status"]) == ("keys-listed", "failed")
    assert last["details"]["reason"] == "StoreLocked"


def test_a_software_store_keeps_its_log_beside_it(
    workdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = ["--log", str(tmp_path / "nobody-reads-this.log")]
    assert main([*store_args(workdir), *elsewhere, "rotate", "--label", "irk"]) == 2
    assert "a software store's ceremony log is always" in capsys.readouterr().err
    assert not (tmp_path / "nobody-reads-this.log").exists()


def test_key_file_store(tmp_path: Path) -> None:
    args = ["--store", str(tmp_path / "keys.json"), "--key-file", str(tmp_path / "kek.bin")]
    assert main([*args, "create", "--new-key-file"]) == 0
    assert (tmp_path / "kek.bin").stat().st_size == 32
    assert (
        main([*args, "generate", "--label", "irk", "--algorithm", "AES-128", "--purpose", "IRK"])
        == 0
    )


def test_token_ceremony(
    softhsm_token: SoftHsmToken,
    pkcs11_store: object,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = token_args(softhsm_token, tmp_path)
    assert (
        main([*base, "generate", "--label", "irk", "--algorithm", "3DES", "--purpose", "IRK"]) == 0
    )
    assert (
        main([*base, "generate", "--label", "irk", "--algorithm", "SM4", "--purpose", "IRK"]) == 1
    )
    assert "SM4 is not supported by this token" in capsys.readouterr().err
    assert main([*base, "rotate", "--label", "irk"]) == 0
    assert main([*base, "list"]) == 0
    assert main([*base, "verify-log"]) == 0
    assert "is intact: 8 lines" in capsys.readouterr().out


def test_a_wrong_pin_is_one_line_and_a_failed_step_in_the_token_log(
    softhsm_token: SoftHsmToken, pkcs11_store: object, tmp_path: Path
) -> None:
    """In a process of its own: this one is logged in to the token already (the fixture's
    store), and PKCS#11 login is per process."""
    base = token_args(softhsm_token, tmp_path)
    assert main([*base, "list"]) == 0
    (tmp_path / "pin.txt").write_text("13579")  # the SO PIN, not the user PIN
    refused = subprocess.run(
        [str(Path(sys.executable).parent / "sscard-keys"), *base, "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 1
    assert refused.stderr == (
        "Error: the PIN does not open this token — check the user PIN (--pin-file); a token "
        "locks after a few wrong PINs; the refused attempt is in the ceremony log\n"
    )
    assert "13579" not in refused.stdout + refused.stderr
    last = json.loads((tmp_path / "token.log").read_bytes().splitlines()[-1])
    assert (last["event"], last["details"]["status"]) == ("keys-listed", "failed")
    assert last["details"]["reason"] == "StoreLocked"


def test_parallel_ceremonies_on_a_token_take_a_label_once(
    softhsm_token: SoftHsmToken, pkcs11_store: object, tmp_path: Path
) -> None:
    """Six officers' terminals run the same generate at once: one key, five refusals, all
    in the log (the log's lock holds each step whole)."""
    command = [
        str(Path(sys.executable).parent / "sscard-keys"),
        *token_args(softhsm_token, tmp_path),
        "generate",
        "--label",
        "race",
        "--algorithm",
        "3DES",
        "--purpose",
        "IRK",
    ]
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(6)
    ]
    for run in runs:
        run.communicate(timeout=60)
    assert sorted(run.returncode for run in runs) == [0, 1, 1, 1, 1, 1]
    lines = [json.loads(line) for line in (tmp_path / "token.log").read_bytes().splitlines()]
    statuses = sorted(line["details"]["status"] for line in lines)
    assert statuses == ["begun"] * 6 + ["done"] + ["failed"] * 5
    assert main([*token_args(softhsm_token, tmp_path), "verify-log"]) == 0


def _rechain(lines: list[bytes]) -> list[bytes]:
    """What an insider with the file but not the store can do: fix every ``prev``."""
    fixed, previous = [], GENESIS
    for line in lines:
        entry = json.loads(line)
        entry["prev"] = previous
        raw = json.dumps(entry, ensure_ascii=False, sort_keys=True).encode()
        fixed.append(raw)
        previous = hashlib.sha256(raw).hexdigest()
    return fixed


def test_an_edited_and_rechained_log_is_found_by_the_store_mac(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = store_args(workdir)
    generate = ["generate", "--label", "irk", "--algorithm", "SM4", "--purpose", "IRK"]
    assert main([*base, *generate]) == 0
    assert main([*base, "list"]) == 0
    path = workdir / "keys.json.ceremony.log"
    lines = path.read_bytes().splitlines()
    entry = json.loads(lines[3])  # the generation's "done" line
    entry["details"]["kcv"] = "000000"
    lines[3] = json.dumps(entry, ensure_ascii=False, sort_keys=True).encode()
    path.write_bytes(b"\n".join(_rechain(lines)) + b"\n")
    capsys.readouterr()
    assert main([*base, "verify-log"]) == 1
    assert "line 4" in capsys.readouterr().err


def test_anchors_find_a_cut_log(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = store_args(workdir)
    anchors = workdir / "anchors.jsonl"
    generate = ["generate", "--label", "irk", "--algorithm", "SM4", "--purpose", "IRK"]
    assert main([*base, *generate]) == 0
    assert main([*base, "rotate", "--label", "irk"]) == 0
    assert main([*base, "anchor-log", "--anchors", str(anchors)]) == 0
    assert main([*base, "verify-log", "--anchors", str(anchors)]) == 0
    assert "1 anchor matches" in capsys.readouterr().out
    path = workdir / "keys.json.ceremony.log"
    lines = path.read_bytes().splitlines()
    path.write_bytes(b"\n".join(lines[:-2]) + b"\n")  # the rotation removed
    assert main([*base, "verify-log"]) == 0  # the chain alone cannot tell
    capsys.readouterr()
    assert main([*base, "verify-log", "--anchors", str(anchors)]) == 1
    assert "cut" in capsys.readouterr().err
    forged = json.loads(anchors.read_text())
    forged["mac"] = "00" * 32
    anchors.write_text(json.dumps(forged) + "\n")
    assert main([*base, "verify-log", "--anchors", str(anchors)]) == 1
    assert "not made by this store" in capsys.readouterr().err


def test_a_token_keeps_its_ceremony_log_in_one_place(
    softhsm_token: SoftHsmToken,
    pkcs11_store: object,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = token_args(softhsm_token, tmp_path, log=None)
    assert main([*token, "--log", str(tmp_path / "first.log"), "list"]) == 0
    assert main([*token, "--log", str(tmp_path / "elsewhere.log"), "list"]) == 1
    assert "cannot move it" in capsys.readouterr().err


def test_a_log_whose_macs_were_stripped_and_rechained_is_refused(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = store_args(workdir)
    generate = ["generate", "--label", "irk", "--algorithm", "SM4", "--purpose", "IRK"]
    assert main([*base, *generate]) == 0
    path = workdir / "keys.json.ceremony.log"
    lines = path.read_bytes().splitlines()
    entries = [json.loads(line) for line in lines]
    entries[3]["details"]["kcv"] = "000000"
    for entry in entries[3:]:
        entry.pop("mac", None)
    raw = [json.dumps(entry, ensure_ascii=False, sort_keys=True).encode() for entry in entries]
    path.write_bytes(b"\n".join(_rechain(raw)) + b"\n")
    capsys.readouterr()
    assert main([*base, "verify-log"]) == 1
    assert "MAC is missing" in capsys.readouterr().err


def test_custodians_cannot_bring_the_same_component_or_a_store_through_a_link(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kind = ["--label", "uk", "--algorithm", "3DES", "--purpose", "UK"]
    twice = component_args(workdir, Algorithm.TDES, COMPONENT_A, COMPONENT_A)
    assert main([*store_args(workdir), "import", *kind, *twice]) == 1
    assert "same component" in capsys.readouterr().err
    (workdir / "link.json").symlink_to(workdir / "keys.json")
    linked = ["--store", str(workdir / "link.json"), "--passphrase-file", str(workdir / "pass.txt")]
    assert main([*linked, "list"]) == 1
    assert "symbolic link" in capsys.readouterr().err
    weak = ["--store", str(workdir / "weak.json"), "--passphrase-file", str(workdir / "pass.txt")]
    assert main([*weak, "create", "--scrypt-n", "2"]) == 2  # a usage error
    assert "2 is not one of the powers of two from 1024 to 1048576" in capsys.readouterr().err
    (workdir / "short.txt").write_text("short\n")
    short = ["--store", str(workdir / "s.json"), "--passphrase-file", str(workdir / "short.txt")]
    assert main([*short, "create", "--scrypt-n", "1024"]) == 1
    assert capsys.readouterr().err == (
        f"Error: the passphrase in {workdir / 'short.txt'} is too short for a new key store — "
        "write one of at least 12 characters in it, or leave out --passphrase-file and type "
        "one\n"
    )
