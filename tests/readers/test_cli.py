"""``sscard-sim card create`` then ``sscard-read read``: the whole path a developer runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes

from readers.cli import main as read_main
from simulators.cli import main as sim_main

RID = "D156000005"


def expected_card_id(region: str, serial_hex: str) -> str:
    """Profile §4, computed here from SM3 directly: region ‖ RID ‖ serial ‖ SM3(...)[:4]."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(bytes.fromhex(region + RID + serial_hex))
    return (region + RID + serial_hex + digest.finalize()[:4].hex()).upper()


def create(card_file: Path, *extra: str) -> None:
    assert (
        sim_main(
            [
                "card",
                "create",
                "--out",
                str(card_file),
                "--seed",
                "5",
                "--ssn",
                "32050219850312009x",
                "--name",
                "张三",
                "--region",
                "320500",
                "--card-number",
                "X00000019",
                "--issue-date",
                "2021-06-30",
                *extra,
            ]
        )
        == 0
    )


def test_pipe_string_of_a_created_card_is_field_for_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card_file = tmp_path / "card.json"
    create(card_file, "--generation", "2.00")
    serial = json.loads(card_file.read_text())["chip"]["serial"]
    capsys.readouterr()

    assert read_main(["read", "--card-file", str(card_file)]) == 0
    pipe = capsys.readouterr().out.strip()
    assert pipe == (
        f"320500|32050219850312009X|X00000019|{expected_card_id('320500', serial)}|张三|"
        f"00815353435059{'3205'}{serial}|2.00|20210630|20310630|||"
    )


def test_json_format_names_regions_and_holder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card_file = tmp_path / "card.json"
    create(card_file, "--generation", "3.00", "--t1")
    photo = tmp_path / "photo.jpg"
    capsys.readouterr()
    assert (
        read_main(
            ["read", "--card-file", str(card_file), "--format", "json", "--photo-out", str(photo)]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["card"]["region_name"] == "江苏省苏州市"
    assert out["card"]["generation"] == "3.00"
    assert out["holder"]["social_security_number"] == "32050219850312009X"
    assert out["holder"]["sex_label"] == "男"
    assert out["holder"]["birth_date"] == "1985-03-12"
    # 320502 (the former 沧浪区, merged into 姑苏区 in 2012) is no longer a current code:
    # it is named by its nearest listed parent.
    assert out["holder"]["birthplace_name"] == "江苏省苏州市"
    assert photo.read_bytes().startswith(b"\xff\xd8")
    assert out["photo"]["bytes"] == photo.stat().st_size


def test_wrong_pin_is_reported_with_the_ministry_code_and_remembered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card_file = tmp_path / "card.json"
    create(card_file)
    capsys.readouterr()
    assert read_main(["read", "--card-file", str(card_file), "--pin", "111111"]) == 1
    assert "wrong PIN, 2 tries left (error -51)" in capsys.readouterr().err
    assert json.loads(card_file.read_text())["pin"]["tries_left"] == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--ssn", "320502198503120091"], "check character"),
        (["--ssn", "32050219850312009X", "--sex", "2"], "--sex does not match"),
        (["--region", "999999"], "not a known GB/T 2260"),
        (["--card-number", "X00000018"], "check character"),
        (["--name", "张三" * 16, "--generation", "1.00"], "name"),
    ],
)
def test_bad_holder_options_are_refused_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    card_file = tmp_path / "card.json"
    assert sim_main(["card", "create", "--out", str(card_file), *options]) == 2
    assert message in capsys.readouterr().err
    assert not card_file.exists()


def test_existing_card_file_is_not_overwritten_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card_file = tmp_path / "card.json"
    create(card_file)
    before = card_file.read_bytes()
    assert sim_main(["card", "create", "--out", str(card_file)]) == 1
    assert f"{card_file} exists; use --force to overwrite it" in capsys.readouterr().err
    assert card_file.read_bytes() == before


def test_corrupt_card_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card_file = tmp_path / "card.json"
    card_file.write_text("{not json")
    assert read_main(["read", "--card-file", str(card_file)]) == 1
    assert f"Error: {card_file}: not JSON" in capsys.readouterr().err


def test_population_writes_n_readable_cards(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cards"
    assert sim_main(["population", "12", "--out", str(out), "--seed", "3"]) == 0
    files = sorted(out.glob("card-*.json"))
    assert len(files) == 12
    generations = {json.loads(f.read_text())["generation"] for f in files}
    assert generations == {"1.00", "2.00", "3.00"}
    capsys.readouterr()
    for card_file in files:
        assert read_main(["read", "--card-file", str(card_file)]) == 0
    pipes = capsys.readouterr().out.splitlines()
    assert len({p.split("|")[2] for p in pipes}) == 12  # card numbers are unique
    assert sim_main(["population", "2", "--out", str(out)]) == 1  # not into a used folder


def test_console_scripts_are_installed(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    card_file = tmp_path / "card.json"
    subprocess.run(
        [bin_dir / "sscard-sim", "card", "create", "--out", card_file, "--seed", "1"],
        check=True,
        capture_output=True,
    )
    result = subprocess.run(
        [bin_dir / "sscard-read", "read", "--card-file", card_file],
        check=True,
        capture_output=True,
        text=True,
    )
    assert result.stdout.count("|") == 11


def province(out: Path, code: str) -> list[str]:
    """Key options for a synthetic province made with ``sscard-sim province create``."""
    assert sim_main(["province", "create", "--out", str(out), "--code", code]) == 0
    return [
        "--keys", str(out / f"keys-{code}.json"),
        "--passphrase-file", str(out / f"keys-{code}.passphrase"),
        "--transport-key-file", str(out / f"keys-{code}.transport-key"),
    ]  # fmt: skip


def test_genuine_card_read_with_a_psam_fills_the_terminal_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jiangsu = province(tmp_path / "js", "320000")
    card_file, psam_file = tmp_path / "card.json", tmp_path / "psam.json"
    create(card_file, "--generation", "3.00", *jiangsu)
    assert (
        sim_main(
            ["psam", "create", "--out", str(psam_file), "--terminal", "320500000001", *jiangsu]
        )
        == 0
    )
    capsys.readouterr()

    assert read_main(["read", "--card-file", str(card_file), "--psam-file", str(psam_file)]) == 0
    fields = capsys.readouterr().out.strip().split("|")
    assert fields[1] == "32050219850312009X"
    assert fields[4] == "张三"
    assert fields[9] == "320500000001"


def test_protected_card_without_a_psam_says_genuineness_was_not_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card_file = tmp_path / "card.json"
    create(card_file, "--generation", "3.00", *province(tmp_path / "js", "320000"))
    capsys.readouterr()
    assert read_main(["read", "--card-file", str(card_file)]) == 0
    captured = capsys.readouterr()
    fields = captured.out.strip().split("|")
    assert (fields[1], fields[2], fields[4]) == ("", "", "")  # withheld before RKSSSE
    assert "NOT checked" in captured.err


def test_psam_of_another_province_is_refused_with_the_genuine_check_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card_file, psam_file = tmp_path / "card.json", tmp_path / "psam.json"
    create(card_file, "--generation", "2.00", *province(tmp_path / "js", "320000"))
    guangdong = province(tmp_path / "gd", "440000")
    assert (
        sim_main(
            ["psam", "create", "--out", str(psam_file), "--terminal", "440100000001", *guangdong]
        )
        == 0
    )
    capsys.readouterr()
    assert read_main(["read", "--card-file", str(card_file), "--psam-file", str(psam_file)]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("Error: the card failed internal authentication: the PSAM")
    assert captured.err.endswith("(error -21)\n")
    assert captured.err.count("\n") == 1  # the error alone: no log line without -v
    assert captured.out == ""  # never shown as a resident
    assert read_main(["-v", "read", "--card-file", str(card_file), "--psam-file", str(psam_file)])
    logged = capsys.readouterr().err
    assert "WARNING readers.card.identify: a card of region 320500 failed internal" in logged
