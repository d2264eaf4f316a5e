"""`--set NAME=VALUE` on process, batch and live turns a preset's knobs (and any neural-pedal
parameter) for the render or the rig."""

from pathlib import Path

import numpy as np
import soundfile as sf
from conftest import guitarish
from jack_fixtures import ENGINE_CLIENT, jack, wait_until_loaded  # noqa: F401  (jack is a fixture)
from test_knob_conditioning import conditioned

from neuralfx import Chain, NeuralPedal
from neuralfx.cli import main
from neuralfx.engine import EngineSettings, LiveEngine
from neuralfx.preset import Preset, PresetMetadata, load_preset

SR = 48000


def knob_preset(folder: Path) -> Path:
    _, model = conditioned("film")
    return Preset(model, SR, PresetMetadata(name="dials")).save(folder / "dials.nfx")


def test_process_and_batch_turn_the_knobs(tmp_path, capsys):
    preset = knob_preset(tmp_path)
    takes = tmp_path / "takes"
    takes.mkdir()
    x = guitarish(0.5, seed=2)[0]
    sf.write(takes / "di.wav", x, SR, subtype="FLOAT")
    expected = NeuralPedal(load_preset(preset), drive=7.5, mix=0.5)(x, SR)

    out = tmp_path / "out.wav"
    assert main(["process", str(takes / "di.wav"), "-o", str(out), "--preset", str(preset),
                 "--set", "drive=7.5", "--set", "mix=0.5"]) == 0  # fmt: skip
    np.testing.assert_array_equal(sf.read(out, dtype="float32")[0], expected)
    assert main(["batch", str(takes), str(tmp_path / "batch"), "--preset", str(preset), "--set", "drive=7.5",
                 "--set", "mix=0.5"]) == 0  # fmt: skip
    np.testing.assert_array_equal(sf.read(tmp_path / "batch" / "di.wav", dtype="float32")[0], expected)

    chain = tmp_path / "rig.json"
    Chain([NeuralPedal(load_preset(preset))]).save(chain)
    assert main(["process", str(takes / "di.wav"), "-o", str(tmp_path / "chain.wav"), "--chain", str(chain),
                 "--set", "drive=7.5", "--set", "mix=0.5"]) == 0  # fmt: skip
    np.testing.assert_array_equal(sf.read(tmp_path / "chain.wav", dtype="float32")[0], expected)

    capsys.readouterr()
    assert main(["process", str(takes / "di.wav"), "-o", str(tmp_path / "x.wav"), "--preset", str(preset),
                 "--set", "drive=11"]) == 2  # fmt: skip
    assert "drive must be between 0 and 10, got 11" in capsys.readouterr().err
    assert main(["process", str(takes / "di.wav"), "-o", str(tmp_path / "x.wav"), "--preset", str(preset),
                 "--set", "gain=1"]) == 2  # fmt: skip
    assert "no parameter 'gain' (this one has input_gain_db, output_gain_db, mix, bypass, drive, tone)" in (
        capsys.readouterr().err
    )


def test_live_turns_the_knobs(jack, tmp_path, capsys):  # noqa: F811
    preset = knob_preset(tmp_path)
    engine = LiveEngine(EngineSettings(host_api="jack", client_name=ENGINE_CLIENT))
    engine.load_preset(preset, drive=2.5, tone=10)
    engine.start()
    try:
        wait_until_loaded(engine)
        parameters = engine.state.chain_dict["effects"][0]["parameters"]
        assert (parameters["drive"], parameters["tone"]) == (2.5, 10.0)
        engine.set_parameter("drive", 9.0)  # and while playing
        engine.poll(0.5)
        assert engine.state.chain_dict["effects"][0]["parameters"]["drive"] == 9.0
    finally:
        engine.stop()

    args = ["live", "--host-api", "jack", "--client-name", ENGINE_CLIENT, "--preset", str(preset),
            "--set", "drive=2.5", "--set", "tone=10", "--duration", "1"]  # fmt: skip
    assert main(args) == 0
    assert "playing dials at 48000 Hz" in capsys.readouterr().out
