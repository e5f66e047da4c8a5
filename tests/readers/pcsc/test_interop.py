"""Tools nobody here wrote see and talk to the soft card through pcscd (opensc, pcsc-tools)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from simulators.card.os import CardOS
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.vpcd import VpcdSlot

SELECT_SSSE = "00 A4 04 00 0F 73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF"
TOOL_TIMEOUT = 30


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (Debian packages opensc and pcsc-tools)")
    return path


def test_opensc_tool_lists_the_reader_and_selects_ssse(
    slot: VpcdSlot,
    insert: Callable[[CardOS], int],
    make_card: Callable[[int], SoftSocialSecurityCard],
) -> None:
    card = make_card(31)
    insert(card)
    listed = subprocess.run(
        [tool("opensc-tool"), "-l"], capture_output=True, text=True, timeout=TOOL_TIMEOUT
    )
    assert slot.reader in listed.stdout
    sent = subprocess.run(
        [tool("opensc-tool"), "-r", slot.reader, "-a", "-s", SELECT_SSSE],
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT,
    )
    # A T=0 card answers the case-4 SELECT with 61xx; opensc fetches the rest itself.
    answer = sent.stdout.replace(" ", "").upper()
    assert "SW1=0X61" in answer or "SW1=0X90,SW2=0X00" in answer, sent.stdout + sent.stderr
    assert card.atr.hex(":").upper() in sent.stdout.upper()


def test_scriptor_sends_apdus_and_prints_the_answers(
    tmp_path: Path,
    slot: VpcdSlot,
    insert: Callable[[CardOS], int],
    make_card: Callable[[int], SoftSocialSecurityCard],
) -> None:
    insert(make_card(32))
    script = tmp_path / "select.apdu"
    script.write_text(f"{SELECT_SSSE}\n00 C0 00 00 1B\n")
    run = subprocess.run(
        [tool("scriptor"), "-r", slot.reader, str(script)],
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT,
    )
    # scriptor prints "< data SW1 SW2 : meaning" (long answers wrap over lines)
    answers = run.stdout.split("< ")[1:]
    assert len(answers) == 2, run.stdout + run.stderr
    assert answers[0].startswith("61 1B :")
    assert answers[1].split(":")[0].split()[-2:] == ["90", "00"]
    assert "73 78 31 2E 73 68 2E" in answers[1]  # the FCI names SSSE
