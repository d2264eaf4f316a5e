"""`neuralfx train` turns a pair of files into a preset that NeuralPedal loads, with its report;
`neuralfx capture-signal` writes the signal the trainer recognises."""

import json

import numpy as np
import soundfile
from training_pairs import RATE, delayed, dry, soft_clipper, write_pair

from neuralfx import NeuralPedal
from neuralfx.cli import main
from neuralfx_training.capture import is_capture_signal
from neuralfx_training.loss import esr_grade


def test_train_writes_a_loadable_preset_and_its_report(tmp_path, capsys):
    x = dry(12.0, seed=9)
    dry_path, wet_path = write_pair(tmp_path, x, delayed(soft_clipper(x), 25))
    config = tmp_path / "small.json"
    config.write_text(json.dumps({"channels": 4, "dilation_depth": 3, "repeats": 1, "epochs": 50, "window": 2048}))
    argv = ["train", "--input", str(dry_path), "--target", str(wet_path), "--name", "Clipper", "-o",
            str(tmp_path / "clipper.nfx"), "--config", str(config), "--epochs", "2", "--knob", "drive=0.7",
            "--pedal", "a numpy soft clipper", "--threads", "1"]  # fmt: skip
    assert main(argv) == 0

    err = capsys.readouterr().err
    assert "latency: the target lags the input by 25 samples (cross-correlation)" in err
    assert "epoch 2/2" in err and "samples/s" in err and "wrote " in err

    pedal = NeuralPedal.from_preset(tmp_path / "clipper.nfx")
    meta = pedal.preset.metadata
    assert (meta.name, meta.pedal, meta.knobs) == ("Clipper", "a numpy soft clipper", {"drive": 0.7})
    assert pedal.preset.model.config.channels == 4 and pedal.preset.model.config.dilations == (
        1,
        2,
        4,
    )  # config file...
    assert meta.provenance["epochs"] == 2  # ...overridden by the flag
    assert meta.provenance["latency_samples"] == 25 and meta.provenance["samples_per_s"] > 0

    report_dir = tmp_path / "clipper.training"
    report = json.loads((report_dir / "report.json").read_text())
    assert report["validation"]["esr"] == meta.validation_esr
    assert report["validation"]["grade"] == esr_grade(meta.validation_esr)
    assert report["validation"]["measured_on"] == meta.provenance["validation_esr_measured_on"]
    assert report["validation"]["measured_on"].endswith("the last 2.0 s of the training pair, held out from training")
    assert [h["epoch"] for h in report["training"]["history"]] == [1, 2]
    for plot in ("loss.png", "prediction.png", "alignment.png"):
        assert (report_dir / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (report_dir / "checkpoint.pt").is_file()


def test_train_refuses_bad_options_with_a_message(tmp_path, capsys):
    x = dry(12.0, seed=9)
    dry_path, wet_path = write_pair(tmp_path, x, soft_clipper(x))
    config = tmp_path / "bad.json"
    config.write_text(json.dumps({"chanels": 4}))
    assert main(["train", "--input", str(dry_path), "--target", str(wet_path), "-o", str(tmp_path / "a.nfx"),
                 "--config", str(config)]) == 1  # fmt: skip
    assert "unknown options ['chanels']" in capsys.readouterr().err
    assert main(["train", "--input", str(dry_path), "--target", str(wet_path), "-o", str(wet_path)]) == 1
    assert "a pedalnet preset is written as .nfx or .nam" in capsys.readouterr().err
    for flag, value, message in (
        ("--warmup-steps", "-1", "--warmup-steps must be 0 (no warm-up) or more, got -1"),
        ("--grad-clip", "0", "--grad-clip must be positive, got 0"),
        ("--stft-weight", "-0.5", "--stft-weight must be 0 (no STFT term) or more, got -0.5"),
        ("--batch-size", "0", "--batch-size must be at least 1, got 0"),
    ):
        argv = ["train", "--input", str(dry_path), "--target", str(wet_path), "-o", str(tmp_path / "a.nfx")]
        assert main([*argv, flag, value]) == 1
        assert message in capsys.readouterr().err
    assert not (tmp_path / "a.nfx").exists() and not (tmp_path / "a.training").exists()


def test_capture_signal_writes_the_signal_the_trainer_recognises(tmp_path, capsys):
    path = tmp_path / "capture.wav"
    path.write_bytes(b"my recording")
    argv = ["capture-signal", str(path), "--sample-rate", str(RATE), "--subtype", "PCM_24"]
    assert main(argv) == 1
    assert "capture.wav exists: pass --force to replace it" in capsys.readouterr().err
    assert path.read_bytes() == b"my recording"
    assert main([*argv, "--force"]) == 0
    audio, rate = soundfile.read(path, dtype="float32")
    assert rate == RATE and is_capture_signal(np.asarray(audio), RATE)
    assert "neuralfx train --input" in capsys.readouterr().err
