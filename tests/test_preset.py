"""Preset files: round trip, golden output, lookup, and a clear PresetError for each bad file."""

import json
import pickle
import struct
import zipfile

import numpy as np
import pytest
from conftest import DATA, TINY_PRESET, make_preset
from safetensors import safe_open
from safetensors.numpy import load, save

from neuralfx import NeuralPedal
from neuralfx.preset import FORMAT_VERSION, PresetError, find_preset, list_presets, load_preset, save_preset


def test_round_trip_keeps_everything(tmp_path):
    preset = make_preset(seed=3, sample_rate=44100, knobs={"drive": 0.7, "mode": "hot"}, validation_esr=0.0123)
    path = save_preset(preset, tmp_path / "p.nfx")
    loaded = load_preset(path)
    assert loaded.model.config == preset.model.config
    assert loaded.sample_rate == 44100
    assert loaded.metadata == preset.metadata
    assert loaded.path == path
    assert sorted(loaded.model.weights) == sorted(preset.model.config.weight_shapes())
    for name, w in preset.model.weights.items():
        np.testing.assert_array_equal(loaded.model.weights[name], w)


def test_golden_output_of_the_tiny_preset():
    from data.make_tiny_preset import golden_input

    out = NeuralPedal.from_preset(TINY_PRESET)(golden_input(), 48000)
    golden = np.load(DATA / "tiny_golden.npy", allow_pickle=False)
    assert np.abs(out - golden).max() <= 1e-5
    assert np.abs(golden).max() > 0.1


def test_lookup_by_name_in_preset_path(tmp_path, monkeypatch):
    folder = tmp_path / "mine"
    folder.mkdir()
    save_preset(make_preset(seed=1, name="Fuzzy"), folder / "fuzzy.nfx")
    monkeypatch.setenv("NEURALFX_PRESET_PATH", str(folder))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert load_preset("fuzzy").name == "Fuzzy"
    assert load_preset("FUZZY").name == "Fuzzy"
    assert folder / "fuzzy.nfx" in list_presets()
    with pytest.raises(PresetError, match="no preset by that name.*fuzzy"):
        find_preset("nonexistent")


def test_nam_files_load_through_the_nam_reader(tmp_path, monkeypatch):
    folder = tmp_path / "mine"
    folder.mkdir()
    document = {"version": "0.5.4", "architecture": "Linear", "config": {"receptive_field": 1, "bias": False}}
    (folder / "boost.nam").write_text(json.dumps(document | {"weights": [2.0], "metadata": {"name": "Boost"}}))
    monkeypatch.setenv("NEURALFX_PRESET_PATH", str(folder))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    preset = load_preset("boost")
    assert (preset.name, preset.model.architecture, preset.sample_rate) == ("Boost", "Linear", 48000)
    assert load_preset(folder / "boost.nam").path == folder / "boost.nam"
    assert folder / "boost.nam" in list_presets()
    np.testing.assert_array_equal(preset.model.stream().process(np.ones(3, np.float32)), [2, 2, 2])
    with pytest.raises(PresetError, match="boost.nam: not a NAM model"):
        (folder / "boost.nam").write_bytes(b"\x93NUMPY")
        load_preset(folder / "boost.nam")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(PresetError) as info:
        load_preset(tmp_path / "nope.nfx")
    assert info.value.path == tmp_path / "nope.nfx"
    assert "no such preset file" in str(info.value)


def _rewrite_header(path, change):
    with safe_open(path, framework="numpy") as file:
        header = json.loads(file.metadata()["neuralfx"])
    tensors = load(path.read_bytes())
    change(header, tensors)
    path.write_bytes(save(tensors, {"neuralfx": json.dumps(header)}))


def _set(keys, value):
    def change(header, tensors):
        target = header
        for key in keys[:-1]:
            target = target[key]
        if value is KeyError:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value

    return change


def _weights(fn):
    return lambda header, tensors: fn(tensors)


BAD_HEADERS = {
    "missing metadata field": (_set(["metadata", "pedal"], KeyError), "missing metadata field 'pedal'"),
    "missing sample rate": (_set(["sample_rate"], KeyError), "missing field 'sample_rate'"),
    "unknown architecture": (_set(["architecture"], "lstm"), "unknown architecture 'lstm'"),
    "newer version": (_set(["format_version"], FORMAT_VERSION + 1), "newer than this neuralfx reads"),
    "bad config": (_set(["config", "kernel_size"], 0), "kernel_size must be a positive integer"),
    "bad rate": (_set(["sample_rate"], -5), "sample_rate -5"),
    "wrong metadata type": (_set(["metadata", "validation_esr"], "low"), "'validation_esr' has the wrong type"),
    "wrong shape": (
        _weights(lambda t: t.update({"mix.bias": np.zeros(2, np.float32)})),
        r"'mix.bias' has shape \(2,\), expected \(1,\)",
    ),
    "missing weight": (_weights(lambda t: t.pop("layers.0.conv.bias")), "missing weight 'layers.0.conv.bias'"),
    "nan weights": (
        _weights(lambda t: t["layers.1.conv.weight"].__setitem__((0, 0, 0), np.nan)),
        "'layers.1.conv.weight' contains NaN",
    ),
}


@pytest.mark.parametrize("case", BAD_HEADERS)
def test_each_bad_header_gets_its_own_message(tmp_path, case):
    change, message = BAD_HEADERS[case]
    path = save_preset(make_preset(), tmp_path / "bad.nfx")
    _rewrite_header(path, change)
    with pytest.raises(PresetError, match=message) as info:
        load_preset(path)
    assert str(path) in str(info.value)


def test_truncated_file(tmp_path):
    path = save_preset(make_preset(), tmp_path / "t.nfx")
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(PresetError, match="the file is truncated"):
        load_preset(path)


def test_pickle_and_torch_files_are_refused_without_unpickling(tmp_path):
    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('pickle executed')",))

    pickled = tmp_path / "model.nfx"
    pickled.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(PresetError, match="pickle.*never unpickles"):
        load_preset(pickled)

    torch_like = tmp_path / "model.pt"
    with zipfile.ZipFile(torch_like, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps({"weights": [1, 2, 3]}))
    with pytest.raises(PresetError, match="zip archive.*torch"):
        load_preset(torch_like)


def test_other_foreign_files(tmp_path):
    nam_named_nfx = tmp_path / "amp.nfx"
    nam_named_nfx.write_text('{"version": "0.5.0", "architecture": "WaveNet"}')
    with pytest.raises(PresetError, match="JSON file"):
        load_preset(nam_named_nfx)
    nam = tmp_path / "amp.nam"  # a .nam is read as a NAM model
    nam.write_text('{"version": "0.5.0", "architecture": "WaveNet"}')
    with pytest.raises(PresetError, match="missing key 'config'"):
        load_preset(nam)
    empty = tmp_path / "empty.nfx"
    empty.write_bytes(b"")
    with pytest.raises(PresetError, match="empty"):
        load_preset(empty)
    plain = tmp_path / "plain.nfx"
    plain.write_bytes(save({"x": np.zeros(3, np.float32)}))
    with pytest.raises(PresetError, match="without neuralfx metadata"):
        load_preset(plain)
    garbage = tmp_path / "garbage.nfx"
    garbage.write_bytes(struct.pack("<Q", 10) + b"not json!!" + b"\0" * 8)
    with pytest.raises(PresetError, match="the header is not valid JSON"):
        load_preset(garbage)
    half_precision = tmp_path / "f16.nfx"
    half_precision.write_bytes(save({"x": np.zeros(3, np.float16)}, {"neuralfx": "{}"}))
    with pytest.raises(PresetError, match="missing field 'format'"):
        load_preset(half_precision)


def test_save_refuses_invalid_preset_and_leaves_no_file(tmp_path):
    preset = make_preset()
    preset.model.weights["mix.bias"] = np.array([np.inf], np.float32)
    with pytest.raises(PresetError, match="refusing to save"):
        save_preset(preset, tmp_path / "x.nfx")
    assert list(tmp_path.iterdir()) == []
