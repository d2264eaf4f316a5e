"""Safe files: atomic writes reach the disk before their rename and replace only regular files;
only neuralfx's own temporaries are recognised as such; JSON from files is bounded."""

import json
import os
from pathlib import Path

import pytest

from neuralfx import fileio
from neuralfx.fileio import MAX_JSON_DEPTH, atomic_path, atomic_write_bytes, is_temporary, parse_json, read_json


def test_the_data_and_the_rename_reach_the_disk_in_order(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(source, target):
        events.append(("replace", str(target)))
        real_replace(source, target)

    monkeypatch.setattr(fileio.os, "fsync", fsync)
    monkeypatch.setattr(fileio.os, "replace", replace)
    with atomic_path(tmp_path / "out.wav") as tmp:
        tmp.write_bytes(b"take 1")
    assert events == [("fsync", str(tmp)), ("replace", str(tmp_path / "out.wav")), ("fsync", str(tmp_path))]
    assert (tmp_path / "out.wav").read_bytes() == b"take 1"


def test_only_regular_files_are_replaced(tmp_path):
    os.mkfifo(tmp_path / "pipe.wav")
    (tmp_path / "null.wav").symlink_to("/dev/null")
    (tmp_path / "folder.wav").mkdir()
    for name in ("pipe.wav", "null.wav", "folder.wav"):
        with pytest.raises(ValueError, match="is not a regular file .*: refusing to replace it"):
            atomic_write_bytes(tmp_path / name, b"data")
    assert (tmp_path / "null.wav").is_symlink() and Path("/dev/null").is_char_device()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.wav", "null.wav", "pipe.wav"]  # no temporaries

    (tmp_path / "mine.wav").write_bytes(b"old")
    atomic_write_bytes(tmp_path / "mine.wav", b"new")
    assert (tmp_path / "mine.wav").read_bytes() == b"new"


def test_a_target_that_became_a_device_while_writing_is_not_replaced(tmp_path):
    target = tmp_path / "out.wav"
    with pytest.raises(ValueError, match="refusing to replace it"), atomic_path(target) as tmp:
        tmp.write_bytes(b"data")
        target.symlink_to("/dev/null")
    assert target.is_symlink() and os.listdir(tmp_path) == ["out.wav"]


def test_only_neuralfx_temporaries_are_recognised(tmp_path):
    with atomic_path(tmp_path / "take.wav") as tmp:
        assert is_temporary(tmp.name)
        tmp.write_bytes(b"")
    for name in (".session.tmp-20240101.txt", ".take.wav.tmp-abcd1234.wav", "take.wav", ".neuralfx.tmp-abcd1234"):
        assert not is_temporary(name), name


def test_json_from_files_is_bounded(tmp_path):
    assert parse_json(json.dumps({"a": [[1]] * 3}), "x") == {"a": [[1], [1], [1]]}
    assert parse_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, "x")  # deep, but within the bound
    for text in ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), "[" * 100_000, '{"a": ' * 100_000):
        with pytest.raises(ValueError, match="a chain nests arrays or objects too deeply"):
            parse_json(text, "a chain")
    with pytest.raises(ValueError, match="a chain must be UTF-8 text"):
        parse_json(b'{"a": "\xff"}', "a chain")
    with pytest.raises(ValueError, match="a chain is not valid JSON"):
        parse_json("{", "a chain")

    os.mkfifo(tmp_path / "pipe.json")
    with pytest.raises(ValueError, match="not a regular file"):
        read_json(tmp_path / "pipe.json", 1000, "a chain")
    (tmp_path / "big.json").write_text(" " * 2000 + "{}")
    with pytest.raises(ValueError, match="2002 bytes is too large for a chain"):
        read_json(tmp_path / "big.json", 1000, "a chain")
