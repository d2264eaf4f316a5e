"""A tiny PedalNet trained on a synthetic filtered soft clipper fits it far better than any
linear filter can: the trainer learns distortion, not just a tone filter."""

import numpy as np
from training_pairs import dry, soft_clipper, write_pair

from neuralfx_training.data import prepare_pair
from neuralfx_training.loop import Trainer
from neuralfx_training.loss import plain_esr
from neuralfx_training.settings import TrainSettings


def best_linear_fit_esr(x: np.ndarray, y: np.ndarray, taps: int = 32) -> float:
    """ESR of the least-squares FIR filter from x to y: the best a linear model can do."""
    rows = np.stack([np.concatenate([np.zeros(k), x[: len(x) - k]]) for k in range(taps)], axis=1)
    coefficients, *_ = np.linalg.lstsq(rows, y, rcond=None)
    return plain_esr(rows @ coefficients, y)


def test_tiny_model_fits_a_soft_clipper_far_better_than_a_linear_filter(tmp_path):
    x = dry(10.0, seed=3)
    y = soft_clipper(x)
    data = prepare_pair(*write_pair(tmp_path, x, y), validation_s=2.0)
    assert data.alignment.delay_samples == 0
    settings = TrainSettings(
        channels=8, dilation_depth=4, repeats=1, epochs=16, window=2048, learning_rate=1e-2, final_learning_rate=1e-4
    )
    result = Trainer(data, settings, log=lambda message: None, progress=False).run()

    start, stop = data.validation
    linear = best_linear_fit_esr(data.input[start:stop].astype(np.float64), data.target[start:stop])
    assert linear > 0.1  # the clipper is strongly nonlinear
    # Measured: ESR 0.0009–0.002 over seeds 0–3 (about 3 s of training). The bound leaves 5× room
    # and is still 10× below the best linear filter's ESR (0.13).
    assert result.validation_esr < min(0.01, linear / 10)
    assert result.stopped == "epochs" and result.epochs == 16
