"""NAM files everywhere a preset goes: the pedal plays them exactly, with NAM's size control and
NAM's levels (normalized by default, raw, calibrated), in chains and chain files, through
`neuralfx process`, and listed by `neuralfx presets`."""

import json
import re
import shutil

import numpy as np
import pytest
import soundfile as sf
from nam_helpers import shared_nam_data

from neuralfx import Chain, NeuralPedal, load_preset
from neuralfx.cli import main
from neuralfx.pedal import NORMALIZED_LOUDNESS_DB


@pytest.fixture(scope="module")
def nam():
    folder = shared_nam_data()
    x, rate = sf.read(folder / "golden_in.wav", dtype="float32")
    return folder, x, rate


def read(path):
    return sf.read(path, dtype="float32")[0]


def test_the_pedal_plays_nam_files_exactly_at_every_size(nam):
    folder, x, rate = nam
    for name, size, golden in [("a2.nam", 0.25, "a2_lite"), ("a2.nam", 0.75, "a2_full"), ("lstm.nam", None, "lstm"),
                               ("wavenet_a1_standard.nam", None, "wavenet_a1_standard")]:  # fmt: skip
        sizes = {} if size is None else {"model_size": size}
        pedal = NeuralPedal(folder / name, output_mode="raw", **sizes)
        blocks = [pedal(x[i : i + 333], rate, reset=i == 0) for i in range(0, x.size, 333)]
        assert np.abs(np.concatenate(blocks) - read(folder / f"golden_out_{golden}.wav")).max() <= 2e-5, name


def test_nam_levels_as_in_nams_plugin(nam):
    folder, x, rate = nam
    preset = load_preset(folder / "a2.nam")
    small, full = (preset.metadata_for(size).loudness_db for size in (0.0, 1.0))
    assert (small, full) == (pytest.approx(-24.04, abs=0.01), pytest.approx(-26.39, abs=0.01))  # each its own
    raw = NeuralPedal(preset, output_mode="raw", model_size=1.0)(x, rate)
    pedal = NeuralPedal(preset, model_size=1.0)  # normalized: NAM's plugin default
    assert pedal.output_mode == "normalized" and pedal.level_gains_db == (0.0, NORMALIZED_LOUDNESS_DB - full)
    np.testing.assert_allclose(pedal(x, rate), raw * 10 ** ((NORMALIZED_LOUDNESS_DB - full) / 20), rtol=1e-5, atol=1e-7)
    pedal.model_size = 0.0
    assert pedal.level_gains_db == (0.0, NORMALIZED_LOUDNESS_DB - small)  # follows the size playing
    # The file states its input level only: input calibration applies, calibrated output plays raw.
    assert (preset.metadata.input_level_dbu, preset.metadata.output_level_dbu) == (14.76, None)
    calibrated = NeuralPedal(preset, output_mode="calibrated", input_calibration_dbu=12.0)
    assert calibrated.level_gains_db == (pytest.approx(12.0 - 14.76), 0.0)
    assert NeuralPedal.from_preset("ts9").output_mode == "raw"  # neuralfx presets play as trained


def test_calibration_uses_the_levels_a_nam_file_states(nam, tmp_path):
    folder, _, _ = nam
    document = json.loads((folder / "lstm.nam").read_text())
    document["metadata"] = {**document.get("metadata", {}), "input_level_dbu": 19.0, "output_level_dbu": 10.0}
    path = tmp_path / "calibrated.nam"
    path.write_text(json.dumps(document))
    pedal = NeuralPedal(path, output_mode="calibrated", input_calibration_dbu=12.0)
    assert pedal.level_gains_db == (12.0 - 19.0, 10.0 - 12.0)  # NAM's example: -7 dB in, -2 dB out


def test_a_size_change_while_playing_is_smooth(nam):
    folder, x, rate = nam
    pedal = NeuralPedal(folder / "a2.nam", output_mode="raw")
    out, switch = [], 187 * 256  # about a second in
    for i in range(0, x.size, 256):
        if i == switch:
            pedal.model_size = 1.0
        out.append(pedal(x[i : i + 256], rate, reset=i == 0))
    out = np.concatenate(out)
    steady = [NeuralPedal(folder / "a2.nam", output_mode="raw", model_size=s)(x, rate) for s in (0.0, 1.0)]
    np.testing.assert_array_equal(out[:switch], steady[0][:switch])
    np.testing.assert_allclose(out[2 * rate :], steady[1][2 * rate :], atol=1e-6)  # arrived
    assert np.abs(np.diff(out)).max() <= max(np.abs(np.diff(s)).max() for s in steady) * 1.01


def test_chains_chain_files_and_the_cli(nam, tmp_path, capsys):
    folder, x, rate = nam
    shutil.copy(folder / "a2.nam", tmp_path / "a2.nam")
    chain = Chain([NeuralPedal(tmp_path / "a2.nam", model_size=0.75), NeuralPedal.from_preset("ts9")])
    chain.save(tmp_path / "rig.json")
    saved = json.loads((tmp_path / "rig.json").read_text())["effects"][0]
    assert saved["preset"] == "a2.nam" and saved["parameters"]["model_size"] == 0.75
    expected = chain(x, rate)
    np.testing.assert_array_equal(Chain.load(tmp_path / "rig.json")(x, rate), expected)

    sf.write(tmp_path / "di.wav", x, rate, subtype="FLOAT")
    assert main(["process", str(tmp_path / "di.wav"), "-o", str(tmp_path / "out.wav"), "--chain",
                 str(tmp_path / "rig.json")]) == 0  # fmt: skip
    np.testing.assert_array_equal(read(tmp_path / "out.wav"), expected[0] if expected.ndim == 2 else expected)
    assert main(["process", str(tmp_path / "di.wav"), "-o", str(tmp_path / "a2.wav"), "--preset",
                 str(tmp_path / "a2.nam"), "--set", "model_size=0.75", "--set", "output_mode=raw"]) == 0  # fmt: skip
    np.testing.assert_allclose(read(tmp_path / "a2.wav"), read(folder / "golden_out_a2_full.wav"), atol=2e-5)


def test_presets_lists_nam_files(nam, tmp_path, monkeypatch, capsys):
    folder, _, _ = nam
    mine = tmp_path / "presets"
    mine.mkdir()
    for name in ("a2.nam", "lstm.nam"):
        shutil.copy(folder / name, mine / name)
    monkeypatch.setenv("NEURALFX_PRESET_PATH", str(mine))
    assert main(["presets"]) == 0
    rows = {cells[0]: cells for cells in (re.split(r"\s{2,}", line) for line in capsys.readouterr().out.splitlines())}
    assert {"a2", "lstm", "ts9"} <= set(rows)
    assert rows["a2"][1:7] == ["NAM SlimmableContainer", "-", "-", "48000", "11.8k", "-"]
    assert rows["lstm"][1:7] == [
        "NAM LSTM",
        "Darkglass Electronics Microtubes 900 v2, amp",
        "clean",
        "48000",
        "0.1k",
        "-",
    ]
    assert rows["ts9"][2] == "Ibanez TS9 Tube Screamer as emulated by…"
    assert main(["presets", "a2"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["architecture"] == "NAM SlimmableContainer"
    assert [round(s["loudness_db"], 2) for s in info["submodels"]] == [-24.04, -26.38]
