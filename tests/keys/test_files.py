"""``read_bounded``: a file a person named is read whole only when it is a regular file of
a size its kind can have; anything else is refused at once, naming the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from keys.files import UnfitFile, read_bounded


def test_a_file_up_to_the_limit_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "key.bin"
    path.write_bytes(bytes(range(32)))
    assert read_bounded(path, 32, "key file") == bytes(range(32))


def test_a_file_over_the_limit_is_refused_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "key.bin"
    path.write_bytes(bytes(33))
    with pytest.raises(UnfitFile) as refused:
        read_bounded(path, 32, "key file")
    assert str(refused.value) == (
        f"{path} is not a key file: it holds 33 bytes, more than any key file (at most 32)"
    )
    assert (refused.value.path, refused.value.size) == (path, 33)


@pytest.mark.parametrize("kind", ["device", "directory", "pipe"])
def test_what_is_not_a_regular_file_is_refused_without_reading(tmp_path: Path, kind: str) -> None:
    path = {"device": Path("/dev/zero"), "directory": tmp_path, "pipe": tmp_path / "fifo"}[kind]
    if kind == "pipe":
        os.mkfifo(path)  # no writer: opening it to read would wait for ever
    with pytest.raises(UnfitFile) as refused:
        read_bounded(path, 1024, "anchors file")
    assert str(refused.value) == (
        f"{path} is not an anchors file: it is a {kind}, not a regular file"
    )
    assert refused.value.size is None


def test_a_missing_file_is_the_operating_systems_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_bounded(tmp_path / "missing", 1024, "key file")
