"""`neuralfx process` and `batch` with hostile input: NaN/Inf never reach a file, an overflowing
effect fails its file, bounds on --tail and rates, chain files that are pipes, devices or deep
JSON, outputs never replace devices, earlier outputs are never inputs, a user's files survive
the clean-up, the report survives a closed stdout, SIGTERM and a full disk leave nothing behind,
and names print without escape sequences."""

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pedalboard as pb
import pytest
import soundfile as sf
from conftest import TINY_PRESET, guitarish, make_preset, random_weights

from neuralfx import Chain, NeuralPedal
from neuralfx.cli import main
from neuralfx.models import PedalNetConfig, PedalNetModel
from neuralfx.preset import Preset, PresetMetadata

NEURALFX = [sys.executable, "-m", "neuralfx.cli"]


def read(path: Path) -> np.ndarray:
    return sf.read(path, dtype="float32", always_2d=True)[0].T


def with_non_finite(seconds: float = 1.1) -> np.ndarray:
    audio = guitarish(seconds)
    audio[0, 100], audio[0, 200], audio[0, 300] = np.nan, np.inf, -np.inf
    return audio


def chain_of(tmp_path: Path, *effects) -> Path:
    path = tmp_path / f"chain{len(list(tmp_path.glob('chain*')))}.json"
    Chain(list(effects)).save(path)
    return path


def test_non_finite_input_is_silenced_and_counted_through_a_native_reverb(tmp_path, capsys):
    source = tmp_path / "di.wav"
    sf.write(source, with_non_finite().T, 48000, subtype="FLOAT")
    reverb = chain_of(tmp_path, pb.Reverb(room_size=0.8))
    out = tmp_path / "out.wav"
    assert main(["process", str(source), "-o", str(out), "--chain", str(reverb), "--subtype", "PCM_16"]) == 0
    assert "3 NaN/Inf input samples silenced" in capsys.readouterr().out
    clean = np.nan_to_num(with_non_finite(), nan=0.0, posinf=0.0, neginf=0.0)
    want = np.clip(Chain.load(reverb)(clean, 48000), -1, 1)
    assert np.abs(read(out) - want).max() <= 2.0**-15  # the reverb heard silence where the NaN/Inf were
    assert np.count_nonzero(sf.read(out, dtype="int16")[0] == -32768) == 0

    report = tmp_path / "report.json"
    (tmp_path / "DI").mkdir()
    source.rename(tmp_path / "DI" / "di.wav")
    gain = chain_of(tmp_path, pb.Gain(gain_db=6))
    assert (
        main(["batch", str(tmp_path / "DI"), str(tmp_path / "reamped"), "--chain", str(gain), "--report", str(report)])
        == 0
    )
    row = json.loads(report.read_text())["files"][0]
    assert (row["status"], row["non_finite_samples"], row["subtype"]) == ("done", 3, "FLOAT")
    assert np.isfinite(read(tmp_path / "reamped" / "di.wav")).all()
    assert json.loads(report.read_text())["totals"]["non_finite_samples"] == 3
    assert "3 NaN/Inf input samples replaced by silence" in capsys.readouterr().out


def overflowing_preset(path: Path) -> Path:
    """A preset whose weights are finite but whose output overflows float32: every gate open and
    every filter at +1, mixed with weights near float32's largest."""
    config = PedalNetConfig(channels=4, dilations=(1, 2))
    weights = random_weights(config, seed=1)
    for i in range(config.num_layers):
        weights[f"layers.{i}.conv.weight"][:] = 0.0
        weights[f"layers.{i}.conv.bias"][:] = 100.0
    weights["mix.weight"][:] = 3e38
    return Preset(PedalNetModel(config, weights), 48000, PresetMetadata(name="overflow")).save(path)


@pytest.mark.parametrize("effect", ["gain", "preset"])
def test_an_effect_that_overflows_fails_its_file_and_writes_nothing(tmp_path, capsys, effect):
    sf.write(tmp_path / "di.wav", guitarish(0.5).T, 48000, subtype="FLOAT")
    if effect == "gain":
        gain = {"type": "native", "class": "Gain", "parameters": {"gain_db": 1e308}}
        (tmp_path / "gain.json").write_text(
            json.dumps({"format": "neuralfx.chain", "format_version": 1, "effects": [gain]})
        )
        chosen = ["--chain", str(tmp_path / "gain.json")]
    else:
        chosen = ["--preset", str(overflowing_preset(tmp_path / "overflow.nfx"))]
    out = tmp_path / "out.wav"
    assert main(["process", str(tmp_path / "di.wav"), "-o", str(out), *chosen]) == 1
    err = capsys.readouterr().err
    assert "the effect produced" in err and "NaN/Inf samples (of 24000)" in err and "not written" in err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []

    (tmp_path / "DI").mkdir()
    (tmp_path / "di.wav").rename(tmp_path / "DI" / "di.wav")
    report = tmp_path / "report.json"
    assert main(["batch", str(tmp_path / "DI"), str(tmp_path / "reamped"), *chosen, "--report", str(report)]) == 1
    row = json.loads(report.read_text())["files"][0]
    assert row["status"] == "failed" and "NaN/Inf samples" in row["error"]
    assert not (tmp_path / "reamped" / "di.wav").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--tail", "1e12"], "--tail: must be a number of seconds from 0 to 60"),
        (["--tail", "nan"], "--tail: must be a number of seconds from 0 to 60"),
        (["--sample-rate", "2000000"], "--sample-rate: must be a rate from 8000 to 768000 Hz"),
        (["--sample-rate", "1"], "--sample-rate: must be a rate from 8000 to 768000 Hz"),
    ],
)
def test_tail_and_rate_are_bounded(tmp_path, capsys, options, message):
    sf.write(tmp_path / "di.wav", guitarish(0.1).T, 48000)
    with pytest.raises(SystemExit) as exit_:
        main(
            ["process", str(tmp_path / "di.wav"), "-o", str(tmp_path / "o.wav"), "--preset", str(TINY_PRESET), *options]
        )
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_an_input_at_an_absurd_rate_fails_with_its_reason(tmp_path, capsys):
    (tmp_path / "DI").mkdir()
    sf.write(tmp_path / "DI" / "fast.wav", guitarish(0.1).T, 2_000_000)
    sf.write(tmp_path / "DI" / "ok.wav", guitarish(0.1).T, 48000)
    report = tmp_path / "report.json"
    assert (
        main(
            [
                "batch",
                str(tmp_path / "DI"),
                str(tmp_path / "out"),
                "--preset",
                str(TINY_PRESET),
                "--report",
                str(report),
            ]
        )
        == 1
    )
    rows = {row["input"]: row for row in json.loads(report.read_text())["files"]}
    assert rows["fast.wav"]["error"] == (
        "the input's sample rate 2000000 Hz is outside the 8000-768000 Hz that neuralfx renders: resample it first, "
        "or pass --sample-rate"
    )
    assert rows["ok.wav"]["status"] == "done"


def test_a_neural_gain_beyond_reason_and_a_missing_impulse_response_are_usage_errors(tmp_path, capsys):
    sf.write(tmp_path / "di.wav", guitarish(0.1).T, 48000)
    chains = {
        "gain": {"type": "neural", "preset": str(TINY_PRESET), "parameters": {"output_gain_db": 1e308}},
        "ir": {"type": "native", "class": "Convolution", "parameters": {"impulse_response_filename": "/nope/ir.wav"}},
        "inf": {"type": "native", "class": "Gain", "parameters": {"gain_db": float("inf")}},
    }
    messages = {
        "gain": "effect 0: output_gain_db must be between -120 and +120 dB, got 1e+308",
        "ir": "effect 0: cannot read Convolution's impulse_response_filename /nope/ir.wav (No such file or directory)",
        "inf": "effect 0: Gain parameter 'gain_db' must be a finite number, got inf",
    }
    for name, entry in chains.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"format": "neuralfx.chain", "format_version": 1, "effects": [entry]}))
        assert main(["process", str(tmp_path / "di.wav"), "-o", str(tmp_path / "o.wav"), "--chain", str(path)]) == 2
        assert capsys.readouterr().err == f"neuralfx process: error: {path}: {messages[name]}\n"


def test_chain_files_that_are_pipes_devices_or_deep_json_are_refused(tmp_path):
    sf.write(tmp_path / "di.wav", guitarish(0.1).T, 48000)
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    for name, message in (
        ("pipe.json", "not a regular file (a pipe, device or folder)"),
        ("zero.json", "not a regular file (a pipe, device or folder)"),
        ("deep.json", "nests arrays or objects too deeply"),
    ):
        argv = ["process", str(tmp_path / "di.wav"), "-o", str(tmp_path / "o.wav"), "--chain", str(tmp_path / name)]
        run = subprocess.run([*NEURALFX, *argv], capture_output=True, text=True, timeout=60)  # a hang fails
        assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr, run.stderr


def test_an_input_that_is_a_pipe_is_refused_unread(tmp_path, capsys):
    os.mkfifo(tmp_path / "pipe.wav")
    assert (
        main(["process", str(tmp_path / "pipe.wav"), "-o", str(tmp_path / "o.wav"), "--preset", str(TINY_PRESET)]) == 2
    )
    assert "pipe.wav: not a regular file (a pipe, device or folder)" in capsys.readouterr().err


def test_force_replaces_files_never_devices_or_pipes(tmp_path, capsys):
    sf.write(tmp_path / "di.wav", guitarish(0.1).T, 48000)
    os.mkfifo(tmp_path / "pipe.wav")
    (tmp_path / "null.wav").symlink_to("/dev/null")
    for name in ("pipe.wav", "null.wav"):
        argv = ["process", str(tmp_path / "di.wav"), "-o", str(tmp_path / name), "--preset", str(TINY_PRESET)]
        assert main([*argv, "--force"]) == 2
        assert "is not a regular file (a device, pipe or folder): refusing to replace it" in capsys.readouterr().err
    assert Path("/dev/null").is_char_device() and (tmp_path / "null.wav").is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["di.wav", "null.wav", "pipe.wav"]

    (tmp_path / "DI").mkdir()
    (tmp_path / "di.wav").rename(tmp_path / "DI" / "di.wav")
    report = ["--report", str(tmp_path / "null.wav")]
    assert main(["batch", str(tmp_path / "DI"), str(tmp_path / "out"), "--preset", str(TINY_PRESET), *report]) == 2
    assert "--report: " in capsys.readouterr().err and Path("/dev/null").is_char_device()


def test_earlier_outputs_inside_the_input_folder_are_never_inputs(tmp_path):
    session = tmp_path / "DI"
    session.mkdir()
    sf.write(session / "gtr.wav", guitarish(0.2).T, 48000)
    args = ["--preset", str(TINY_PRESET)]
    assert main(["batch", str(session), str(session / "first"), *args]) == 0
    report = tmp_path / "report.json"
    assert main(["batch", str(session), str(session / "second"), *args, "--report", str(report)]) == 0
    assert [row["input"] for row in json.loads(report.read_text())["files"]] == ["gtr.wav"]
    assert sorted(p.name for p in (session / "second").iterdir() if not p.name.startswith(".")) == ["gtr.wav"]

    # Stacking stays possible: a former OUT_DIR given as IN_DIR is read.
    assert main(["batch", str(session / "first"), str(tmp_path / "stacked"), *args]) == 0
    assert (tmp_path / "stacked" / "gtr.wav").is_file()


def test_the_start_of_run_clean_up_removes_only_neuralfx_temporaries(tmp_path):
    session = tmp_path / "DI"
    session.mkdir()
    sf.write(session / "gtr.wav", guitarish(0.2).T, 48000)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".session.tmp-20240101.txt").write_text("my notes")
    (out / ".gtr.wav.neuralfx.tmp-abcd1234.wav").write_bytes(b"left by a killed run")
    assert main(["batch", str(session), str(out), "--preset", str(TINY_PRESET)]) == 0
    assert (out / ".session.tmp-20240101.txt").read_text() == "my notes"
    assert not (out / ".gtr.wav.neuralfx.tmp-abcd1234.wav").exists()


def test_the_report_is_written_when_stdout_is_closed(tmp_path):
    session = tmp_path / "DI"
    session.mkdir()
    for name in ("a.wav", "b.wav"):
        sf.write(session / name, guitarish(0.2).T, 48000)
    report = tmp_path / "report.json"
    command = [*NEURALFX, "batch", str(session), str(tmp_path / "out"), "--preset", str(TINY_PRESET)]
    run = subprocess.Popen([*command, "--report", str(report)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    run.stdout.close()  # `| head -0`: the reader is gone before the summary is printed
    err = run.stderr.read().decode()
    assert run.wait(timeout=120) == 141
    assert "Traceback" not in err and "Broken pipe" not in err
    assert [row["status"] for row in json.loads(report.read_text())["files"]] == ["done", "done"]


def test_sigterm_to_process_leaves_no_temporary_file(tmp_path):
    preset = make_preset(PedalNetConfig(), seed=1).save(tmp_path / "full-size.nfx")  # slow enough to catch
    sf.write(tmp_path / "long.wav", guitarish(20.0).T, 48000)
    out = tmp_path / "out" / "long.wav"
    out.parent.mkdir()
    run = subprocess.Popen(
        [*NEURALFX, "process", str(tmp_path / "long.wav"), "-o", str(out), "--preset", str(preset)],
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not list(out.parent.iterdir()) and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.005)
    (temporary,) = out.parent.iterdir()
    assert temporary.name.startswith(".long.wav.neuralfx.tmp-")
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=60) == 130
    assert "interrupted" in run.stderr.read().decode()
    assert list(out.parent.iterdir()) == []


def test_a_full_disk_says_so_and_leaves_nothing(tmp_path):
    sf.write(tmp_path / "di.wav", guitarish(2.0).T, 48000, subtype="FLOAT")

    def small_file_limit() -> None:  # what a full disk looks like to the writer: a write fails
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    out = tmp_path / "out"
    out.mkdir()
    argv = ["process", str(tmp_path / "di.wav"), "-o", str(out / "o.wav"), "--preset", str(TINY_PRESET)]
    run = subprocess.run([*NEURALFX, *argv], capture_output=True, text=True, timeout=120, preexec_fn=small_file_limit)
    assert run.returncode == 1
    assert run.stderr == (
        f"neuralfx process: {tmp_path / 'di.wav'}: cannot write the output (File too large): make room on its disk, "
        "or write it elsewhere\n"
    )
    assert list(out.iterdir()) == []


def test_names_from_files_print_without_escape_sequences(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "presets"
    folder.mkdir()
    make_preset(name="\x1b[2J\x1b[31mEvil", pedal="\x9b6n\u202eTS9").save(folder / "evil.nfx")
    monkeypatch.setenv("NEURALFX_PRESET_PATH", str(folder))
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x9b" not in out and "\u202e" not in out
    assert "\\x9b6n\\u202eTS9" in out

    session = tmp_path / "DI"
    session.mkdir()
    sf.write(session / "take\x1b[1A.wav", guitarish(0.1).T, 48000)
    assert main(["batch", str(session), str(tmp_path / "out"), "--preset", str(folder / "evil.nfx")]) == 0
    captured = capsys.readouterr()
    assert "take\\x1b[1A.wav" in captured.out and "\x1b" not in captured.out + captured.err


def test_a_pedal_in_a_chain_loaded_by_name_hears_no_nan_from_the_plugin_before_it():
    chain = Chain([pb.Gain(gain_db=1e308), NeuralPedal.from_preset(TINY_PRESET)])
    x = guitarish(0.1)
    out = chain(x, 48000)
    assert np.isfinite(out).all()
    assert chain.non_finite_samples == x.size  # every sample the Gain made was Inf
    assert chain.non_finite_blocks == 1
