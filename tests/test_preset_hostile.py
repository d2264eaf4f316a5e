"""Hostile preset files: claims that would need gigabytes, oversized headers and files, deep JSON,
numbers beyond float range and pipes are each refused with a PresetError before anything is
sized by them; one bad preset in a folder never hides the good ones."""

import json
import os
import struct
import tracemalloc

import numpy as np
import pytest
from conftest import make_preset
from safetensors import safe_open
from safetensors.numpy import load, save

from neuralfx.cli import main
from neuralfx.models import PedalNetConfig
from neuralfx.preset import MAX_HEADER_BYTES, PresetError, load_preset, save_preset


def rewrite(path, change) -> None:
    """Apply change(header, tensors) to a preset file's neuralfx header and weights."""
    with safe_open(path, framework="numpy") as file:
        header = json.loads(file.metadata()["neuralfx"])
    tensors = load(path.read_bytes())
    change(header, tensors)
    path.write_bytes(save(tensors, {"neuralfx": json.dumps(header)}))


def raw_safetensors(header: str, data: bytes = b"") -> bytes:
    """A safetensors file with this header text, verbatim."""
    raw = header.encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + data


def refused_within(megabytes: float, path) -> PresetError:
    """Load `path`, expecting a PresetError, and check that refusing it allocated little."""
    tracemalloc.start()
    try:
        with pytest.raises(PresetError) as info:
            load_preset(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < megabytes * 2**20, f"refusing it took {peak / 2**20:.0f} MiB"
    assert info.value.path == path
    return info.value


def test_a_small_file_claiming_a_gigabyte_of_state_is_refused_before_allocating(tmp_path):
    # 24 layers × 16 channels and one long dilation: within the receptive-field bound, but each
    # layer keeps the longest dilation's history: 1.1 GiB per channel from a 180 kB file.
    config = PedalNetConfig(channels=16, dilations=(1,) * 23 + (2**17 - 100,))
    path = save_preset(make_preset(config), tmp_path / "state.nfx")
    assert path.stat().st_size < 200_000
    error = refused_within(20, path)
    assert "would need 1153 MiB per channel to play" in error.problem


def test_a_huge_kernel_is_refused(tmp_path):
    path = save_preset(make_preset(PedalNetConfig(channels=1, kernel_size=2**17, dilations=(1, 1))), tmp_path / "k.nfx")
    assert "kernel_size 131072" in refused_within(40, path).problem


@pytest.mark.parametrize(
    ("dilations", "message"),
    [
        ([1, 2, 4, 2**20], "receptive field of 2097167 samples"),
        ([1, 2, 4, 2**26], "receptive field of 134217743 samples"),
        ([1] * 300_000, "claims 300000 layers but the file holds"),
    ],
)
def test_claims_beyond_the_weights_or_the_bounds_are_refused(tmp_path, dilations, message):
    path = save_preset(make_preset(), tmp_path / "p.nfx")
    rewrite(path, lambda header, tensors: header["config"].__setitem__("dilations", dilations))
    assert message in refused_within(40, path).problem


def test_a_header_longer_than_the_file_is_refused(tmp_path):
    path = tmp_path / "text.nfx"
    path.write_bytes(b"not a preset")
    assert "not a valid preset file: its header would be 8246126519243796334 bytes" in load_error(path)
    path.write_bytes(b"\x01")
    assert load_error(path) == "not a valid preset file: it is only 1 bytes long"


def load_error(path) -> str:
    with pytest.raises(PresetError) as info:
        load_preset(path)
    return info.value.problem


def test_an_oversized_header_is_refused_before_it_is_parsed(tmp_path):
    entries = {f"t{i}": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]} for i in range(40_000)}
    path = tmp_path / "header.nfx"
    path.write_bytes(raw_safetensors(json.dumps(entries)))
    assert path.stat().st_size > MAX_HEADER_BYTES
    assert (
        f"its header is {path.stat().st_size - 8} bytes; a preset's header is at most"
        in refused_within(1, path).problem
    )


def test_a_2_gb_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "big.nfx"
    path.write_bytes(save_preset(make_preset(), tmp_path / "small.nfx").read_bytes())
    os.truncate(path, 2 * 10**9)  # sparse: no disk used
    assert "too large for a preset" in refused_within(1, path).problem


def test_deeply_nested_metadata_is_refused(tmp_path):
    path = save_preset(make_preset(), tmp_path / "deep.nfx")
    deep = "[" * 100_000 + "]" * 100_000
    with safe_open(path, framework="numpy") as file:
        header = file.metadata()["neuralfx"]
    tensors = load(path.read_bytes())
    path.write_bytes(save(tensors, {"neuralfx": header.replace('"knobs": {}', f'"knobs": {{"x": {deep}}}')}))
    assert "nests arrays or objects too deeply" in refused_within(40, path).problem

    # Shallow enough to parse, deep enough to overflow the stack where the metadata is copied.
    path = save_preset(make_preset(), tmp_path / "deep2.nfx")
    rewrite(path, lambda header, tensors: header["metadata"].__setitem__("provenance", _nested(600)))
    assert "nests arrays or objects too deeply" in refused_within(40, path).problem


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    "tensor",
    [
        '{"dtype": "F32", "shape": [1e999], "data_offsets": [0, 4]}',
        '{"dtype": "F32", "shape": [1], "data_offsets": [0, 1e999]}',
        '{"dtype": "F32", "shape": [18446744073709551615, 2], "data_offsets": [0, 4]}',
        '{"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}',
    ],
)
def test_numbers_beyond_range_in_the_tensor_table_are_refused(tmp_path, tensor):
    path = tmp_path / "overflow.nfx"
    path.write_bytes(raw_safetensors(f'{{"__metadata__": {{"neuralfx": "{{}}"}}, "x": {tensor}}}', b"\0" * 8))
    with pytest.raises(PresetError, match="not a valid preset file"):
        load_preset(path)


@pytest.mark.parametrize(
    ("keys", "value", "message"),
    [
        (["config", "channels"], 1e999, "channels must be a positive integer"),
        (["config", "channels"], 10**400, "would need"),
        (["sample_rate"], 1e999, "sample_rate inf is not an integer rate"),
        (["metadata", "loudness_db"], 1e999, "'loudness_db' is not finite"),
    ],
)
def test_numbers_beyond_range_in_the_config_are_refused(tmp_path, keys, value, message):
    path = save_preset(make_preset(), tmp_path / "p.nfx")
    with safe_open(path, framework="numpy") as file:
        header = json.loads(file.metadata()["neuralfx"])
    target = header
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = "VALUE"
    text = json.dumps(header).replace('"VALUE"', "1e999" if value == 1e999 else str(value))
    path.write_bytes(save(load(path.read_bytes()), {"neuralfx": text}))
    with pytest.raises(PresetError, match=message):
        load_preset(path)


def test_a_pipe_named_like_a_preset_is_refused_unread(tmp_path):
    os.mkfifo(tmp_path / "pipe.nfx")
    with pytest.raises(PresetError, match="not a regular file"):
        load_preset(tmp_path / "pipe.nfx")


def test_a_missing_preset_file_lists_what_exists(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    save_preset(make_preset(name="Fuzzy"), folder / "fuzzy.nfx")
    monkeypatch.setenv("NEURALFX_PRESET_PATH", str(folder))
    with pytest.raises(PresetError, match=r"no such preset file \(available: .*fuzzy.*; give one of these names"):
        load_preset("fuzzy2.nfx")
    assert main(["presets", "missing.nfx"]) == 1
    assert "available: " in capsys.readouterr().err


def test_one_bad_preset_in_a_folder_leaves_the_rest_listed(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "presets"
    folder.mkdir()
    monkeypatch.setenv("NEURALFX_PRESET_PATH", str(folder))
    save_preset(make_preset(name="Good"), folder / "good.nfx")
    bomb_config = PedalNetConfig(channels=16, dilations=(1,) * 23 + (2**17 - 100,))
    bomb = save_preset(make_preset(bomb_config), folder / "bomb.nfx")
    deep = save_preset(make_preset(), folder / "deep.nfx")
    rewrite(deep, lambda header, tensors: header["metadata"].__setitem__("provenance", _nested(600)))
    assert main(["presets"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert f"{folder / 'good.nfx'}" in rows["good"] and "unreadable" not in rows["good"]
    assert "unreadable: the config (channels 16" in rows["bomb"] and str(bomb) in rows["bomb"]
    assert "unreadable: the neuralfx metadata nests" in rows["deep"]


def test_the_weights_the_header_names_are_checked_against_the_claims(tmp_path):
    path = save_preset(make_preset(), tmp_path / "p.nfx")
    rewrite(path, lambda header, tensors: tensors.update({"layers.0.conv.weight": np.zeros((8, 1, 3000), np.float32)}))
    with pytest.raises(PresetError, match=r"'layers.0.conv.weight' has shape \(8, 1, 3000\), expected \(8, 1, 3\)"):
        load_preset(path)
