"""Province, card and PSAM from files, as ``sscard-sim`` makes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from keys.cli import main as keys_main
from simulators.population import generate_population, make_personalisation
from simulators.provisioning import (
    card_factory,
    psam_from_export,
    psam_from_store,
    read_transport_key,
    write_synthetic_province,
)


def test_card_and_psams_from_a_province_on_disk(tmp_path: Path) -> None:
    files = write_synthetic_province(tmp_path / "province")
    assert files.transport_key_file.stat().st_mode & 0o777 == 0o600
    resident = generate_population(1, seed=2, generations=("3.00",))[0]
    args = (files.store, files.passphrase_file, files.transport_key_file)
    with card_factory(*args) as factory:
        card = factory.personalised_card(make_personalisation(resident))
    from_store = psam_from_store(*args, "320100000001")
    export = tmp_path / "export.json"
    store_args = ["--store", str(files.store), "--passphrase-file", str(files.passphrase_file)]
    assert (
        keys_main([*store_args, "export-psam", "--transport", "factory-tk", "--out", str(export)])
        == 0
    )
    from_export = psam_from_export(export, files.transport_key_file, "320100000002", "T1")
    assert sorted(from_store.memory.keys, key=repr) == sorted(from_export.memory.keys, key=repr)
    assert card.memory.keys
    assert from_export.protocol == "T1"


def test_a_bad_transport_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tk"
    path.write_text("12AB\n")
    with pytest.raises(ValueError, match="64 hex digits"):
        read_transport_key(path)
    files = write_synthetic_province(tmp_path / "p")
    path.write_text("00" * 32)
    with (
        pytest.raises(KeyError, match="no transport key"),
        card_factory(files.store, files.passphrase_file, path),
    ):
        pass
