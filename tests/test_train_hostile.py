"""`neuralfx train` never replaces a preset or a run's checkpoint without --force, refuses pipes
and missing files with their names, and reads an empty, damaged or foreign checkpoint as a
clear error, never by running it."""

import os
import re
import subprocess
import sys
import zipfile

import pytest
import torch
from training_pairs import dry, soft_clipper, write_pair

from neuralfx.cli import main
from neuralfx_training.checks import DataError
from neuralfx_training.data import prepare_pair
from neuralfx_training.loop import Trainer
from neuralfx_training.settings import TrainSettings

SMALL = ["--channels", "4", "--dilation-depth", "3", "--repeats", "1", "--window", "2048", "--threads", "1"]


@pytest.fixture
def pair(tmp_path):
    x = dry(8.0, seed=6)
    return write_pair(tmp_path, x, soft_clipper(x))


def train_argv(pair, output, *options) -> list[str]:
    return ["train", "--input", str(pair[0]), "--target", str(pair[1]), "-o", str(output), *SMALL, *options]


def test_an_existing_preset_or_checkpoint_is_kept_without_force(pair, tmp_path, capsys):
    output = tmp_path / "mine.nfx"
    output.write_bytes(b"my best preset")
    assert main(train_argv(pair, output, "--epochs", "1")) == 1
    assert f"{output} exists (a preset): pass --force to replace it, --resume to continue" in capsys.readouterr().err
    assert output.read_bytes() == b"my best preset"

    checkpoint = tmp_path / "other.training" / "checkpoint.pt"
    checkpoint.parent.mkdir()
    checkpoint.write_bytes(b"ten hours of training")
    assert main(train_argv(pair, tmp_path / "other.nfx", "--epochs", "1")) == 1
    assert "checkpoint.pt exists (the checkpoint of an earlier run): pass --force" in capsys.readouterr().err
    assert checkpoint.read_bytes() == b"ten hours of training" and not (tmp_path / "other.nfx").exists()

    assert main(train_argv(pair, output, "--epochs", "1", "--force")) == 0
    assert output.read_bytes()[8:9] == b"{"  # a preset now (safetensors)


def trainer(pair, checkpoint) -> Trainer:
    data = prepare_pair(*pair, validation_s=1.0)
    settings = TrainSettings(channels=4, dilation_depth=3, repeats=1, epochs=1, window=2048)
    return Trainer(data, settings, checkpoint_path=checkpoint, log=lambda message: None, progress=False)


class RunsCode:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is not a checkpoint written by neuralfx train (empty or damaged?)"),
        ("truncated", "is not a checkpoint written by neuralfx train (empty or damaged?)"),
        ("pickle", "cannot be read (UnpicklingError: Weights only load failed"),
        ("list", "is not a neuralfx training checkpoint"),
        ("other", "is not a neuralfx training checkpoint of this version"),
    ],
)
def test_damaged_or_foreign_checkpoints_are_clear_errors(pair, tmp_path, content, message):
    checkpoint = tmp_path / "checkpoint.pt"
    if content == "truncated":
        torch.save({"format": "neuralfx.training-checkpoint"}, checkpoint)
        checkpoint.write_bytes(checkpoint.read_bytes()[:-30])
    elif content == "pickle":
        torch.save({"model": RunsCode()}, checkpoint)  # a zip, as ours are, holding a pickle that runs code
        assert zipfile.is_zipfile(checkpoint)
    elif content == "list":
        torch.save([1, 2, 3], checkpoint)
    elif content == "other":
        torch.save({"format": "something else"}, checkpoint)
    else:
        checkpoint.write_bytes(content)
    with pytest.raises(DataError, match=re.escape(message)) as info:
        trainer(pair, checkpoint).run(resume=True)
    assert str(checkpoint) in str(info.value)


def test_pipes_and_missing_files_are_named(pair, tmp_path):
    os.mkfifo(tmp_path / "pipe.wav")
    os.mkfifo(tmp_path / "pipe.json")
    for argv, message in (
        (train_argv((tmp_path / "pipe.wav", pair[1]), tmp_path / "a.nfx"), "pipe.wav: not a regular file"),
        (train_argv(pair, tmp_path / "a.nfx", "--config", str(tmp_path / "pipe.json")), "not a regular file"),
        (train_argv((tmp_path / "missing.wav", pair[1]), tmp_path / "a.nfx"), "missing.wav: no such file"),
    ):
        run = subprocess.run(
            [sys.executable, "-m", "neuralfx.cli", *argv], capture_output=True, text=True, timeout=120
        )  # a read that blocks on the pipe fails the test by its timeout
        assert run.returncode == 1 and message in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert not (tmp_path / "a.nfx").exists()


def test_capture_signal_refuses_absurd_rates(tmp_path, capsys):
    assert main(["capture-signal", str(tmp_path / "c.wav"), "--sample-rate", "2000000"]) == 1
    assert "--sample-rate 2000000 is not an interface's rate" in capsys.readouterr().err
    assert not (tmp_path / "c.wav").exists()
