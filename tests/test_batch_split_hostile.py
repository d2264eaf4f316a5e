"""Long files split across batch workers meet hostile input, --set and plugin consent: a split file
silences and counts NaN/Inf as the same file rendered whole does (its segments' pre-rolls overlap,
yet each sample counts once), an effect that overflows fails it and leaves no scratch file (and the
sweeps spare a user's files), every segment turns the knobs --set turns, a chain whose plugin needs
consent is refused without it and renders whole with it, a dry run runs no plugin code to plan a
split, a .nam WaveNet splits bit-identically (an LSTM renders whole), and a Dask worker refuses an
effect whose files or --set values differ before loading it."""

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import guitarish, knob_preset, make_preset
from nam_helpers import TINY_WAVENETS, lstm_config, lstm_weight_total, random_weights, write_nam
from test_plugin_consent import ZAMCOMP, chain_file, evil, needs_zamcomp, own_config  # noqa: F401  (fixtures)
from test_reamp_hostile import overflowing_preset

from neuralfx import Chain, NeuralPedal
from neuralfx.cli import main
from neuralfx.nam.fields import Node
from neuralfx.nam.wavenet import parse_wavenet_config
from neuralfx.preset import load_preset
from neuralfx.reamp.options import EffectSource, fingerprint
from neuralfx.reamp.render import RenderSettings
from neuralfx.reamp.tasks import RenderWhole

SR = 48000
SPLIT = ["--jobs", "2", "--segment-seconds", "2"]  # a 9 s file: 4 segments, 65,536 frames of pre-roll each
# (channel, frame, value): in the first segment, in segments' own frames that are also the next
# segment's pre-roll (segments start at 131072, 196608 and 327680), and in the last segment.
NON_FINITE = [(0, 100, np.nan), (1, 100_000, np.inf), (0, 150_000, -np.inf), (1, 190_000, np.nan), (0, 400_000, np.nan)]


def batch(session: Path, out: Path, *options: str) -> tuple[int, dict, dict]:
    """Run `neuralfx batch`; (its exit code, its report's rows by input, its totals)."""
    report = out.parent / f"{out.name}.json"
    code = main(["batch", str(session), str(out), *options, "--report", str(report)])
    result = json.loads(report.read_text())
    return code, {row["input"]: row for row in result["files"]}, result["totals"]


def one_take(tmp_path: Path, audio: np.ndarray, subtype: str = "FLOAT") -> Path:
    session = tmp_path / "DI"
    session.mkdir()
    sf.write(session / "take.wav", audio.T, SR, subtype=subtype)
    return session


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_split_file_silences_and_counts_nan_as_the_whole_file_does(tmp_path):
    preset = make_preset(seed=6).save(tmp_path / "pedal.nfx")
    audio = guitarish(9.0, SR, 2, seed=1)
    for channel, frame, value in NON_FINITE:
        audio[channel, frame] = value
    session = one_take(tmp_path, audio)

    code, whole, whole_totals = batch(session, tmp_path / "whole", "--preset", str(preset), "--jobs", "1")
    assert code == 0 and whole["take.wav"]["segments"] is None
    code, split, split_totals = batch(session, tmp_path / "split", "--preset", str(preset), *SPLIT)
    assert code == 0 and split["take.wav"]["segments"] == 4

    assert whole["take.wav"]["non_finite_samples"] == split["take.wav"]["non_finite_samples"] == len(NON_FINITE)
    assert whole_totals["non_finite_samples"] == split_totals["non_finite_samples"] == len(NON_FINITE)
    # Float WAVs: the same samples, bit for bit (their bytes differ only in the PEAK chunk's time stamp).
    joined = sf.read(tmp_path / "split" / "take.wav", dtype="float32")[0]
    np.testing.assert_array_equal(joined, sf.read(tmp_path / "whole" / "take.wav", dtype="float32")[0])
    assert np.isfinite(joined).all()


def test_an_effect_that_overflows_fails_a_split_file_and_leaves_no_scratch(tmp_path):
    preset = overflowing_preset(tmp_path / "overflow.nfx")
    session = one_take(tmp_path, guitarish(9.0, SR, 1, seed=2))
    (tmp_path / "out").mkdir()
    mine = tmp_path / "out" / ".take.wav.tmp-abcd1234.w64"  # named as segments were before "neuralfx" marked them
    mine.write_text("a user's file")
    code, rows, _ = batch(session, tmp_path / "out", "--preset", str(preset), *SPLIT)
    assert code == 1
    row = rows["take.wav"]
    assert (row["status"], row["segments"]) == ("failed", 4)
    assert "the effect produced" in row["error"] and "NaN/Inf samples" in row["error"]
    assert "not written" in row["error"]
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == [".neuralfx-batch.lock", mine.name]
    assert mine.read_text() == "a user's file"  # the sweeps take only neuralfx's temporaries


@pytest.mark.parametrize("kind", ["preset", "chain"])
def test_set_turns_the_knobs_of_every_segment(tmp_path, kind):
    preset = knob_preset(tmp_path / "dials.nfx")
    if kind == "preset":
        effect = ["--preset", str(preset)]
    else:
        Chain([NeuralPedal(load_preset(preset))]).save(tmp_path / "rig.json")
        effect = ["--chain", str(tmp_path / "rig.json")]
    session = one_take(tmp_path, guitarish(9.0, SR, 1, seed=3), subtype="PCM_24")
    knobs = ["--set", "drive=8.5", "--set", "tone=1.5"]

    assert batch(session, tmp_path / "whole", *effect, *knobs, "--jobs", "1")[0] == 0
    code, split, _ = batch(session, tmp_path / "split", *effect, *knobs, *SPLIT)
    assert code == 0 and split["take.wav"]["segments"] == 4
    code, plain, _ = batch(session, tmp_path / "plain", *effect, *SPLIT)  # the knobs where the preset left them
    assert code == 0 and plain["take.wav"]["segments"] == 4

    assert digest(tmp_path / "split" / "take.wav") == digest(tmp_path / "whole" / "take.wav")
    turned = sf.read(tmp_path / "split" / "take.wav", dtype="float32")[0]
    assert np.abs(turned - sf.read(tmp_path / "plain" / "take.wav", dtype="float32")[0]).max() > 0.01


def test_nam_files_split_as_neuralfx_presets_do(tmp_path, capsys):
    config = TINY_WAVENETS["activations"]
    count = parse_wavenet_config(Node(config, "config")).weight_count()
    wavenet = write_nam(tmp_path / "w.nam", "WaveNet", config, random_weights(count, 1, 0.3), version="0.7.0")
    lstm_weights = random_weights(lstm_weight_total(1, 5), 4)
    lstm = write_nam(tmp_path / "amp\x1b[2J.nam", "LSTM", lstm_config(1, 5), lstm_weights)  # clears a screen
    session = one_take(tmp_path, guitarish(9.0, SR, 2, seed=7), subtype="PCM_24")

    assert batch(session, tmp_path / "whole", "--preset", str(wavenet), "--jobs", "1")[0] == 0
    code, split, _ = batch(session, tmp_path / "split", "--preset", str(wavenet), *SPLIT)
    assert code == 0
    assert split["take.wav"]["split"] == "4 segments, 1.37 s of pre-roll each, joined bit-identically"
    assert digest(tmp_path / "split" / "take.wav") == digest(tmp_path / "whole" / "take.wav")

    code, rows, _ = batch(session, tmp_path / "lstm", "--preset", str(lstm), *SPLIT)
    assert code == 0 and rows["take.wav"]["segments"] is None
    assert rows["take.wav"]["split"].startswith("the memory of amp\x1b[2J (recurrent) never ends exactly")
    out = capsys.readouterr().out
    assert "1 long file not split across workers: the memory of amp\\x1b[2J (recurrent)" in out
    assert "\x1b" not in out


@needs_zamcomp
def test_a_long_file_through_a_plugin_that_needs_consent(tmp_path, capsys):
    copy = tmp_path / "rig" / "ZamComp.vst3"
    shutil.copytree(ZAMCOMP, copy)  # outside the system folders: not trusted
    rig = chain_file(copy.parent, "ZamComp.vst3")
    session = one_take(tmp_path, guitarish(9.0, SR, 1, seed=4), subtype="PCM_24")  # ZamComp is mono
    options = ["batch", str(session), str(tmp_path / "out"), "--chain", str(rig), *SPLIT]

    assert main(options) == 2
    assert f"loads native plugins that are not trusted:\n  {copy}\n" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()

    code, rows, _ = batch(session, tmp_path / "out", "--chain", str(rig), *SPLIT, "--allow-plugins")
    assert code == 0
    note = "the native plugin ZamComp.vst3 may change with time or hide its memory"
    assert (rows["take.wav"]["status"], rows["take.wav"]["segments"], rows["take.wav"]["split"]) == ("done", None, note)
    assert f"1 long file not split across workers: {note}" in capsys.readouterr().out
    whole = tmp_path / "whole.wav"
    assert main(["process", str(session / "take.wav"), "-o", str(whole), "--chain", str(rig), "--allow-plugins"]) == 0
    np.testing.assert_array_equal(sf.read(tmp_path / "out" / "take.wav")[0], sf.read(whole)[0])  # the same render


def test_a_dry_run_plans_long_files_without_running_plugin_code(evil, tmp_path, capsys):  # noqa: F811
    bundle, marker = evil
    rig = chain_file(bundle.parent, "evil.vst3")
    session = one_take(tmp_path, guitarish(9.0, SR, 1, seed=5))
    argv = ["batch", str(session), str(tmp_path / "out"), "--chain", str(rig), *SPLIT, "--allow-plugins", "--dry-run"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "would render  take.wav" in out
    assert "1 long file not split across workers: the native plugin evil.vst3 may change with time" in out
    assert not marker.exists() and not (tmp_path / "out").exists()


def test_a_dask_worker_refuses_an_effect_whose_files_or_set_values_differ(tmp_path):
    pytest.importorskip("distributed", reason="Dask is not installed: pip install -e '.[cluster]'")
    from neuralfx.reamp.dask_runner import run_on_worker

    preset = knob_preset(tmp_path / "dials.nfx")
    rig = tmp_path / "rig.json"
    Chain([NeuralPedal(load_preset(preset))]).save(rig)
    source = EffectSource("chain", rig, parameters=(("drive", 8.5),))
    planned = fingerprint(source)
    x = guitarish(0.5, SR, 1, seed=6)
    sf.write(tmp_path / "di.wav", x.T, SR, subtype="FLOAT")
    task = RenderWhole(str(tmp_path / "di.wav"), str(tmp_path / "out.wav"), "planned", 0.5)

    status, reason, _ = run_on_worker(EffectSource("chain", rig), planned, RenderSettings(), task)  # without --set
    assert (status, reason) == ("failed", f"a Dask worker's copy of {rig} (or a preset it uses) differs from this one")
    original = preset.read_bytes()
    knob_preset(preset, seed=4)  # another pedal where the chain's preset was
    status, reason, _ = run_on_worker(source, planned, RenderSettings(), task)
    assert status == "failed" and reason.endswith("differs from this one")
    assert not (tmp_path / "out.wav").exists()

    preset.write_bytes(original)
    status, result, _ = run_on_worker(source, planned, RenderSettings(), task)
    assert status == "done" and result.output_frames == x.shape[1]
    want = NeuralPedal(load_preset(preset), drive=8.5)(x, SR)
    np.testing.assert_array_equal(sf.read(tmp_path / "out.wav", dtype="float32", always_2d=True)[0].T, want)
