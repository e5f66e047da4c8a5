"""``sscard-sim card create --register-csv``: the card's holder in cardsvc's import format."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from cardsvc.imports.rows import CARD_COLUMNS, RESIDENT_COLUMNS, parse_card, parse_resident
from readers.cli import main as read_main
from simulators.cli import main


def test_the_holder_and_card_written_are_the_card_and_pass_the_import_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card = tmp_path / "card.json"
    out = tmp_path / "holder"
    assert (
        main(
            [
                "card",
                "create",
                "--out",
                str(card),
                "--seed",
                "7",
                "--register-csv",
                str(out),
                "--community",
                "320102001001",
            ]
        )
        == 0
    )
    [resident] = list(csv.DictReader((out / "residents.csv").read_text("utf-8").splitlines()))
    [row] = list(csv.DictReader((out / "cards.csv").read_text("utf-8").splitlines()))
    assert list(resident) == list(RESIDENT_COLUMNS)
    assert list(row) == list(CARD_COLUMNS)
    problems: list[object] = []
    assert parse_resident(2, resident, problems) is not None, problems  # type: ignore[arg-type]
    assert parse_card(2, row, problems) is not None, problems  # type: ignore[arg-type]
    assert resident["community_code"] == "320102001001"
    capsys.readouterr()
    assert read_main(["read", "--card-file", str(card), "--format", "json"]) == 0
    read = json.loads(capsys.readouterr().out)
    text = json.dumps(read, ensure_ascii=False)
    assert row["card_number"] in text
    assert row["social_security_number"] in text


def test_register_csv_needs_a_community_and_a_synthetic_holder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["card", "create", "--out", str(tmp_path / "c.json"), "--register-csv", str(tmp_path)]
    assert main(args) != 0
    assert "--community" in capsys.readouterr().err
    assert main([*args, "--community", "320102001001", "--name", "张三"]) != 0
    assert "no holder options" in capsys.readouterr().err
