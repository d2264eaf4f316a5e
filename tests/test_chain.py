"""Chain: a list of neural pedals and pedalboard plugins that streams exactly."""

import json
from pathlib import Path

import numpy as np
import pedalboard as pb
import pytest
from conftest import TINY_PRESET, guitarish, make_preset, stream, varying_blocks

from neuralfx import Chain, NeuralPedal
from neuralfx.chain import load_plugin

SR = 48000
ZAMCOMP = Path("/usr/lib/vst3/ZamComp.vst3")
needs_zamcomp = pytest.mark.skipif(
    not ZAMCOMP.exists(), reason="the zam-plugins VST3 set is not installed (apt install zam-plugins)"
)


def pedal_chain() -> Chain:
    return Chain(
        [
            pb.NoiseGate(threshold_db=-50, ratio=4),
            pb.HighpassFilter(cutoff_frequency_hz=80),
            NeuralPedal.from_preset(TINY_PRESET, output_gain_db=-12),
            pb.Compressor(threshold_db=-18, ratio=3),
            pb.Delay(delay_seconds=0.05, feedback=0.4, mix=0.3),
            pb.Reverb(room_size=0.6),
        ]
    )


def test_list_operations():
    gate, comp = pb.NoiseGate(), pb.Compressor()
    pedal = NeuralPedal.from_preset(TINY_PRESET)
    chain = Chain([gate])
    chain.append(comp)
    chain.insert(1, pedal)
    assert list(chain) == [gate, pedal, comp] and len(chain) == 3
    assert chain[1] is pedal and chain[-1] is comp and chain.index(comp) == 2
    chain.remove(pedal)
    assert list(chain) == [gate, comp]
    chain[0] = pedal
    del chain[1]
    assert list(chain) == [pedal]
    with pytest.raises(TypeError, match="not an effect"):
        chain.append("reverb")


def test_consecutive_native_plugins_run_as_one_pedalboard():
    chain = pedal_chain()
    kinds = [type(segment).__name__ for segment in chain._grouped()]
    assert kinds == ["_NativeRun", "_PythonEffect", "_NativeRun"]
    assert [len(s.plugins) for s in chain._grouped() if hasattr(s, "plugins")] == [2, 3]


@pytest.mark.parametrize("blocks", ["constant-64", "constant-1000", "varying", "growing"])
def test_stream_equals_whole_render(blocks):
    x = guitarish(2.0, channels=2, seed=1)
    n = x.shape[1]
    grid = {
        "constant-64": [64] * (n // 64) + [n % 64],
        "constant-1000": [1000] * (n // 1000),
        "varying": varying_blocks(n, seed=3),
        "growing": [1, 2, 4, 16, 256, 1024, 4096, 8192, 20000, n - 33591],
    }[blocks]
    whole = pedal_chain()(x, SR)
    chain = pedal_chain()
    assert np.abs(stream(chain.process, x, [b for b in grid if b], sample_rate=SR) - whole).max() <= 1e-5
    assert chain.latency_samples == 0


def test_plain_pedalboard_streaming_breaks_where_chain_does_not():
    """The trap the Chain avoids: growing blocks re-prepare pedalboard plugins."""
    x = guitarish(1.0, channels=2, seed=2)
    board = pb.Pedalboard([pb.Delay(delay_seconds=0.05, feedback=0.4, mix=0.5), pb.Reverb()])
    whole = board(x, SR)
    board = pb.Pedalboard([pb.Delay(delay_seconds=0.05, feedback=0.4, mix=0.5), pb.Reverb()])
    naive = stream(lambda a, reset: board(a, SR, reset=reset), x, [100, 1000, 46900])
    assert np.abs(naive - whole).max() > 0.01
    chain = Chain([pb.Delay(delay_seconds=0.05, feedback=0.4, mix=0.5), pb.Reverb()])
    assert np.abs(stream(chain.process, x, [100, 1000, 46900], sample_rate=SR) - whole).max() <= 1e-5


def test_short_outputs_are_padded_and_counted_as_latency():
    """GSM at 48 kHz in 128-sample blocks returns a 2-sample block early in the stream."""
    x = guitarish(0.2, seed=4)
    raw_board = pb.Pedalboard([pb.GSMFullRateCompressor()])
    raw_board(np.zeros((1, 8192), np.float32), SR, buffer_size=8192, reset=True)  # primed like a Chain
    raw = [raw_board(x[:, i : i + 128], SR, buffer_size=8192, reset=i == 0) for i in range(0, 9600, 128)]
    short_at = [len(r[0]) for r in raw].index(2)

    chain = Chain([pb.GSMFullRateCompressor()])
    outs = [chain(x[:, i : i + 128], SR, reset=i == 0) for i in range(0, 9600, 128)]
    assert all(o.shape == (1, 128) for o in outs)
    assert chain.latency_samples == 126
    out, raw = np.concatenate(outs, axis=1)[0], np.concatenate(raw, axis=1)[0]
    gap = short_at * 128  # the silence goes where the plugin fell short; nothing is lost
    np.testing.assert_array_equal(out[gap : gap + 126], 0)
    np.testing.assert_array_equal(np.concatenate([out[:gap], out[gap + 126 :]]), raw[: out.size - 126])


def test_latency_of_a_resampling_pedal_is_reported():
    pedal = NeuralPedal.from_preset(TINY_PRESET)
    chain = Chain([pb.Gain(gain_db=0), pedal])
    out = chain(guitarish(0.2, sample_rate=44100)[0], 44100)
    assert out.ndim == 1
    assert chain.latency_samples == pedal.latency_samples > 0


def test_save_and_load_reproduce_the_same_output(tmp_path):
    preset_path = tmp_path / "presets" / "mine.nfx"
    preset_path.parent.mkdir()
    make_preset(seed=5).save(preset_path)
    chain = Chain(
        [
            pb.LadderFilter(mode=pb.LadderFilter.Mode.HPF12, cutoff_hz=120),
            NeuralPedal.from_preset(preset_path, mix=0.7, input_gain_db=3),
            pb.Compressor(threshold_db=-20, ratio=2.5),
            pb.Reverb(room_size=0.3),
        ]
    )
    chain.save(tmp_path / "rig.json")
    data = json.loads((tmp_path / "rig.json").read_text())
    assert data["effects"][1] == {
        "type": "neural",
        "preset": "presets/mine.nfx",
        "parameters": {"input_gain_db": 3.0, "output_gain_db": 0.0, "mix": 0.7, "bypass": False, "crossfade_ms": 20.0},
    }
    assert data["effects"][0]["parameters"]["mode"] == "HPF12"
    loaded = Chain.load(tmp_path / "rig.json")
    assert [type(e) for e in loaded] == [type(e) for e in chain]
    x = guitarish(0.5, channels=2, seed=6)
    np.testing.assert_array_equal(loaded(x, SR), chain(x, SR))


def test_bad_chain_files_name_the_problem(tmp_path):
    path = tmp_path / "c.json"
    for content, message in [
        ("not json", "cannot read the chain file"),
        ('{"format": "other"}', "not a neuralfx chain file"),
        (
            '{"format": "neuralfx.chain", "format_version": 1, "effects": [{"type": "native", "class": "os"}]}',
            "effect 0: unknown pedalboard plugin class 'os'",
        ),
        (
            '{"format": "neuralfx.chain", "format_version": 1, "effects": [{"type": "native", "class": "Gain",'
            ' "parameters": {"gain_db": "loud"}}]}',
            "effect 0",
        ),
        (
            '{"format": "neuralfx.chain", "format_version": 1, "effects": [{"type": "neural", "preset": "nope.nfx"}]}',
            "no such preset file",
        ),
    ]:
        path.write_text(content)
        with pytest.raises(ValueError, match=message) as info:
            Chain.load(path)
        assert str(path) in str(info.value)


@needs_zamcomp
def test_vst3_plugin_in_a_chain_streams_and_saves(tmp_path):
    def build():
        return Chain([load_plugin(ZAMCOMP, {"ratio": 0.4}), NeuralPedal.from_preset(TINY_PRESET)])

    x = guitarish(1.0, seed=7)
    whole = build()(x, SR)
    assert np.abs(stream(build().process, x, varying_blocks(x.shape[1], seed=8), sample_rate=SR) - whole).max() <= 1e-5
    chain = build()
    chain.save(tmp_path / "vst.json")
    entry = json.loads((tmp_path / "vst.json").read_text())["effects"][0]
    assert entry["type"] == "plugin" and entry["path"] == str(ZAMCOMP)
    assert entry["parameters"]["ratio"] == pytest.approx(0.4, abs=1e-6)
    np.testing.assert_array_equal(Chain.load(tmp_path / "vst.json")(x, SR), whole)


@needs_zamcomp
def test_a_vst3_loaded_without_neuralfx_cannot_be_saved_silently(tmp_path):
    chain = Chain([pb.load_plugin(str(ZAMCOMP))])
    with pytest.raises(ValueError, match="load_plugin"):
        chain.save(tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


def test_relative_paths_in_a_chain_file_are_relative_to_it(tmp_path, monkeypatch):
    rig = tmp_path / "rig"
    rig.mkdir()
    make_preset(seed=7).save(rig / "mine.nfx")
    Chain([NeuralPedal.from_preset(rig / "mine.nfx")]).save(rig / "rig.json")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "presets").mkdir(parents=True)
    make_preset(seed=8).save(elsewhere / "mine.nfx")  # a decoy in the working directory
    monkeypatch.chdir(elsewhere)
    loaded = Chain.load(rig / "rig.json")
    assert loaded[0].preset.path == rig / "mine.nfx"
    (rig / "mine.nfx").unlink()
    with pytest.raises(ValueError, match=f"{rig / 'mine.nfx'}: no such preset file"):
        Chain.load(rig / "rig.json")
