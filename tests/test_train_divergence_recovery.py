"""A NaN or exploding loss is caught: the loop rolls back to its last good state, halves the
learning rate, tells the user, and training goes on to a good model."""

import numpy as np
import pytest
import torch
from training_pairs import dry, soft_clipper, write_pair

from neuralfx_training.data import prepare_pair
from neuralfx_training.loop import Trainer
from neuralfx_training.settings import TrainSettings

FAULTS = {"nan": lambda y: y * float("nan"), "explosion": lambda y: y * 1e4}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_bad_step_is_rolled_back_and_reported(tmp_path, fault):
    x = dry(8.0, seed=7)
    data = prepare_pair(*write_pair(tmp_path, x, soft_clipper(x)), validation_s=1.0)
    messages = []
    trainer = Trainer(
        data,
        TrainSettings(
            channels=8,
            dilation_depth=4,
            repeats=1,
            epochs=10,
            window=2048,
            learning_rate=1e-2,
            final_learning_rate=1e-4,
        ),
        log=messages.append,
        progress=False,
    )
    calls = []

    def inject(module, inputs, output):
        if module.training:
            calls.append(1)
            if len(calls) == 60:  # after the snapshot at step 50
                return FAULTS[fault](output)
        return output

    trainer.model.register_forward_hook(inject)
    result = trainer.run()

    [event] = result.events
    problem = "the loss is nan" if fault == "nan" else "the loss exploded to"
    assert event.startswith(f"step 59: {problem}") and "rolled back to step 50 and halved the learning rate" in event
    assert any(m == "warning: " + event for m in messages)
    assert trainer.lr_scale == 0.5
    assert result.steps == 10 * trainer.windows.steps_per_epoch - 1  # the bad step was not applied
    assert all(torch.isfinite(p).all() for p in result.model.parameters())
    assert result.validation_esr < 0.01 and np.isfinite(result.validation_prediction).all()
