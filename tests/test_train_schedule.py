"""The learning rate: a linear warm-up (none with --warmup-steps 0), then cosine decay to the final rate."""

import dataclasses

import pytest
from training_pairs import dry, soft_clipper, write_pair

from neuralfx_training.data import prepare_pair
from neuralfx_training.loop import Trainer
from neuralfx_training.settings import TrainSettings

SETTINGS = TrainSettings(
    channels=2,
    dilation_depth=2,
    repeats=1,
    epochs=2,
    window=2048,
    warmup_steps=4,
    learning_rate=1e-2,
    final_learning_rate=1e-4,
)


@pytest.mark.parametrize("warmup_steps, first_rate", [(4, 1e-2 / 4), (0, 1e-2)])
def test_warm_up_then_cosine_decay(tmp_path, warmup_steps, first_rate):
    x = dry(6.0, seed=3)
    data = prepare_pair(*write_pair(tmp_path, x, soft_clipper(x)), validation_s=1.0)
    settings = dataclasses.replace(SETTINGS, warmup_steps=warmup_steps)
    trainer = Trainer(data, settings, progress=False)
    assert trainer.learning_rate() == pytest.approx(first_rate)
    trainer.step = trainer.total_steps
    assert trainer.learning_rate() == pytest.approx(1e-4)
