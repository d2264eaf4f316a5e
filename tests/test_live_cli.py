"""`neuralfx live` on a real JACK server: lists devices, plays a looped DI file, records, prints meters."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from jack_fixtures import ENGINE_CLIENT, jack  # noqa: F401  (jack is a fixture)
from live_helpers import tiny_chain

from neuralfx.cli import main
from neuralfx.preset import DEFAULT_PRESET, load_preset

DI = Path(__file__).parent.parent / "examples" / "di_clip.wav"


def test_list_devices(jack, capsys):  # noqa: F811
    assert main(["live", "--list-devices", "--host-api", "jack"]) == 0
    out = capsys.readouterr().out
    assert "JACK Audio Connection Kit" in out and "0: system [JACK Audio Connection Kit] 2/2, 48000 Hz" in out


def test_live_plays_a_looped_file_records_and_reports(jack, tmp_path, capsys):  # noqa: F811
    di = tmp_path / "di.wav"
    sine = (0.3 * np.sin(2 * np.pi * 110 * np.arange(24000) / 48000)).astype(np.float32)  # loops seamlessly
    sf.write(di, sine, 48000, subtype="FLOAT")
    take, chain = tmp_path / "take.wav", tmp_path / "quiet tiny.json"
    tiny_chain().save(chain)
    arguments = ["live", "--host-api", "jack", "--client-name", ENGINE_CLIENT, "--chain", str(chain)]
    arguments += ["--input-file", str(di), "--record", str(take), "--duration", "3", "--verbose"]
    assert main(arguments) == 0
    out = capsys.readouterr().out
    assert "playing quiet tiny at 48000 Hz on JACK Audio Connection Kit" in out
    assert f"{ENGINE_CLIENT}:out_0" in out and f"recorded {take}" in out and out.rstrip().endswith("stopped")
    meter_lines = [line for line in out.splitlines() if line.startswith("in ")]
    # JACK's port latencies (dummy backend): playback two 256-frame periods; a file has no input latency
    assert meter_lines and all(
        "xruns" in line and "latency 10.7 ms (engine 0.0 + out 10.7)" in line for line in meter_lines
    )
    audio, rate = sf.read(take, dtype="float32")
    assert rate == 48000 and audio.size > 1.5 * rate  # a steady second to compare below
    expected = tiny_chain()(np.tile(sine, 4), rate)[rate:]
    assert np.ptp(audio[rate:]) == pytest.approx(np.ptp(expected), rel=1e-3)  # the model's output, steady
    assert sorted(p.name for p in tmp_path.iterdir()) == ["di.wav", "quiet tiny.json", "take.wav"]


def test_live_without_a_program_plays_the_default_preset(jack, capsys):  # noqa: F811
    arguments = ["live", "--host-api", "jack", "--client-name", ENGINE_CLIENT, "--input-file", str(DI)]
    assert main([*arguments, "--duration", "1"]) == 0
    assert f"playing {load_preset(DEFAULT_PRESET).name} at 48000 Hz" in capsys.readouterr().out
