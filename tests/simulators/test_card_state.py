"""Saving soft cards to JSON and loading them back: what a card remembers between runs."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simulators.card.personalisation import CardPersonalisation
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.card.state import CardStateError, load_card, save_card, saving_to

MakePersonalisation = Callable[..., CardPersonalisation]


def send(card: SoftSocialSecurityCard, apdu: str) -> str:
    return card.execute(bytes.fromhex(apdu.replace(" ", ""))).hex().upper()


@pytest.fixture
def card(make_personalisation: MakePersonalisation) -> SoftSocialSecurityCard:
    return SoftSocialSecurityCard.personalised(make_personalisation(), protocol="T1")


@pytest.fixture
def saved(card: SoftSocialSecurityCard, tmp_path: Path) -> Path:
    path = tmp_path / "card.json"
    save_card(card, path)
    return path


def test_the_file_is_readable_json(saved: Path) -> None:
    text = saved.read_text(encoding="utf-8")
    assert text.startswith('{\n  "format": "sscard-soft-ssc",\n  "version": 2,')
    document = json.loads(text)
    assert document["generation"] == "2.00"
    assert document["protocol"] == "T1"
    assert document["chip"] == {"serial": "1A2B3C4D", "city_code": "3201"}
    assert document["records"]["EF05"][6] == "0709413030303030303131"
    assert document["records"]["EF06"][1] == "091ED5C5C8FDB7E1" + "00" * 24
    assert len(document["records"]["EF05"]) == 7
    assert len(document["records"]["EF06"]) == 7
    assert document["photo"] == "/9j/4AAQSkZJRgD/2Q=="  # FFD8FFE000104A46494600FFD9
    assert document["pin"] == {"value": "123456", "tries_left": 3}
    assert document["keys"] == {}  # a card personalised without the card factory


def test_a_loaded_card_is_the_saved_card(card: SoftSocialSecurityCard, saved: Path) -> None:
    loaded = load_card(saved)
    assert loaded.memory == card.memory
    assert loaded.protocol == "T1"
    assert loaded.atr == card.atr


def test_pin_tries_survive_save_and_load(
    make_personalisation: MakePersonalisation, tmp_path: Path
) -> None:
    path = tmp_path / "card.json"
    card = SoftSocialSecurityCard.personalised(make_personalisation(), on_change=saving_to(path))
    card.power_on()
    assert send(card, "0020000003000000") == "63C2"

    again = load_card(path)
    again.power_on()
    assert send(again, "00200000") == "63C2"
    assert send(again, "0020000003000000") == "63C1"

    third = load_card(path)
    third.power_on()
    assert send(third, "0020000003000000") == "63C0"
    assert send(third, "00200000") == "6983"
    blocked = load_card(path)
    blocked.power_on()
    assert send(blocked, "0020000003123456") == "6983"


def test_a_changed_pin_survives(card: SoftSocialSecurityCard, saved: Path) -> None:
    first = load_card(saved)
    first.power_on()
    assert send(first, "805E010007 123456 FF 246810") == "9000"
    second = load_card(saved)
    second.power_on()
    assert send(second, "0020000003246810") == "9000"


def test_without_autosave_nothing_is_written(saved: Path) -> None:
    before = saved.read_bytes()
    card = load_card(saved, autosave=False)
    card.power_on()
    assert send(card, "0020000003000000") == "63C2"
    assert saved.read_bytes() == before


def test_save_replaces_atomically_and_leaves_no_temp_file(
    card: SoftSocialSecurityCard, saved: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = saved.read_bytes()
    card.memory.pin_tries_left = 1

    def failing_replace(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        save_card(card, saved)
    monkeypatch.undo()
    assert saved.read_bytes() == before
    assert [p.name for p in saved.parent.iterdir()] == ["card.json"]

    save_card(card, saved)
    assert json.loads(saved.read_text(encoding="utf-8"))["pin"]["tries_left"] == 1
    assert [p.name for p in saved.parent.iterdir()] == ["card.json"]


def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document), encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d.update(version=3), "unsupported version 3"),
        (lambda d: d.update(format="something"), "not a soft SSC card file"),
        (lambda d: d.pop("pin"), "missing field 'pin'"),
        (lambda d: d.update(protocol="T2"), "protocol must be"),
        (lambda d: d.update(generation="4.00"), "unknown spec version"),
        (lambda d: d["chip"].update(serial="1A2B"), "chip serial must be 4 bytes"),
        (lambda d: d["chip"].update(serial="XYZ"), "chip serial is not hex"),
        (lambda d: d["pin"].update(tries_left=5), "PIN tries left must be 0..3"),
        (lambda d: d["pin"].update(tries_left="3"), "field 'tries_left' must be int"),
        (lambda d: d["pin"].update(value="12AB"), "PIN must be 2-6 bytes"),
        (lambda d: d["records"]["EF05"].append("0710AA"), "EF05 record 8"),
        (lambda d: d["records"]["EF06"].append(7), "must be hex strings"),
        (lambda d: d.update(photo="not base64!"), "photo is not base64"),
    ],
)
def test_a_bad_file_names_itself_and_the_problem(
    saved: Path, change: Callable[[dict[str, Any]], None], problem: str
) -> None:
    edit(saved, change)
    with pytest.raises(CardStateError, match=problem) as raised:
        load_card(saved)
    assert str(saved) in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_corrupt_and_missing_files(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"format": "sscard-soft-ssc", ', encoding="utf-8")
    with pytest.raises(CardStateError, match=r"corrupt\.json: not JSON"):
        load_card(corrupt)
    with pytest.raises(CardStateError, match=r"missing\.json: cannot read"):
        load_card(tmp_path / "missing.json")
    listed = tmp_path / "list.json"
    listed.write_text("[]", encoding="utf-8")
    with pytest.raises(CardStateError, match="missing field 'format'"):
        load_card(listed)
