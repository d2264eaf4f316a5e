"""A run killed mid-epoch and resumed from its last checkpoint ends exactly where an
uninterrupted run ends; the interrupted run still hands back its best model. Resuming may run
longer, but not train differently."""

import dataclasses

import numpy as np
import pytest
import torch
from training_pairs import dry, soft_clipper, write_pair

from neuralfx_training.checks import DataError
from neuralfx_training.data import prepare_pair
from neuralfx_training.loop import Trainer
from neuralfx_training.settings import TrainSettings

SETTINGS = TrainSettings(
    channels=4, dilation_depth=3, repeats=1, epochs=3, window=2048, learning_rate=1e-2, final_learning_rate=1e-4
)


@pytest.fixture
def data(tmp_path):
    x = dry(8.0, seed=6)
    return prepare_pair(*write_pair(tmp_path, x, soft_clipper(x)), validation_s=1.0)


def trainer(data, checkpoint=None, settings=SETTINGS) -> Trainer:
    return Trainer(data, settings, checkpoint_path=checkpoint, log=lambda message: None, progress=False)


def interrupt_at_training_step(model: torch.nn.Module, step: int) -> None:
    calls = []

    def hook(module, inputs):
        if module.training:
            calls.append(1)
            if len(calls) == step:
                raise KeyboardInterrupt

    model.register_forward_pre_hook(hook)


def test_resume_after_a_kill_matches_an_uninterrupted_run(data, tmp_path):
    uninterrupted = trainer(data).run()

    checkpoint = tmp_path / "checkpoint.pt"
    killed = trainer(data, checkpoint)
    steps_per_epoch = killed.windows.steps_per_epoch
    interrupt_at_training_step(killed.model, steps_per_epoch + 3)  # three steps into epoch 2
    interrupted = killed.run()
    assert interrupted.stopped == "interrupted"
    assert np.isfinite(interrupted.validation_esr)  # Ctrl-C still yields the best model so far
    assert [h["epoch"] for h in interrupted.history] == [1]

    resumed = trainer(data, checkpoint).run(resume=True)
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3]
    assert resumed.steps == uninterrupted.steps == 3 * steps_per_epoch
    assert [h["train_loss"] for h in resumed.history] == [h["train_loss"] for h in uninterrupted.history]
    assert resumed.validation_esr == uninterrupted.validation_esr
    for name, value in uninterrupted.model.state_dict().items():
        assert torch.equal(resumed.model.state_dict()[name], value), name


def test_resume_refuses_a_checkpoint_from_other_data(data, tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    trainer(data, checkpoint).run()
    data.target = data.target * 0.5
    with pytest.raises(DataError, match="made with other data or another model size"):
        trainer(data, checkpoint).run(resume=True)
    with pytest.raises(DataError, match="nothing to resume"):
        trainer(data, tmp_path / "missing.pt").run(resume=True)


def test_resume_may_run_longer_but_not_train_differently(data, tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    trainer(data, checkpoint).run()
    for change, flag in (({"learning_rate": 5e-3}, "--learning-rate 0.01"), ({"window": 1024}, "--window 2048")):
        with pytest.raises(DataError, match=f"trained with {flag}, this run asks for"):
            trainer(data, checkpoint, dataclasses.replace(SETTINGS, **change)).run(resume=True)
    longer = dataclasses.replace(SETTINGS, epochs=4, patience=10, device="cpu")
    resumed = trainer(data, checkpoint, longer).run(resume=True)
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3, 4]
