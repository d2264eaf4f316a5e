"""Training windows carry their receptive-field history, tile the training range once per epoch,
and never reach into the validation range."""

import numpy as np

from neuralfx_training.align import Alignment
from neuralfx_training.data import TrainingData, TrainingWindows

RF = 31


def coded_data(n: int, training: tuple[int, int], validation: tuple[int, int]) -> TrainingData:
    """input[i] = i and target[i] = −i, so every window says where it came from."""
    x = np.arange(n, dtype=np.float32)
    return TrainingData(x, -x, 16000, training, validation, Alignment(0, "manual"), [], False)


def test_windows_hold_their_history_and_stay_in_the_training_range():
    data = coded_data(50_000, training=(10, 40_000), validation=(40_000, 50_000))
    windows = TrainingWindows(data, RF, window=1000, batch_size=3, seed=5)
    assert windows.count == (40_000 - 30) // 1000  # outputs start at RF − 1: no zero-padded history

    starts = []
    for inputs, targets, knobs, weights in windows.batches(epoch=0):
        assert inputs.shape[1:] == (1000 + RF - 1,) and targets.shape[1:] == (1000,)
        assert knobs.shape == (len(inputs), 0) and weights is None  # one pair, no knobs
        for x, y in zip(inputs, targets, strict=True):
            start = int(-y[0])
            np.testing.assert_array_equal(x, np.arange(start - RF + 1, start + 1000))  # real history
            np.testing.assert_array_equal(y, -np.arange(start, start + 1000))
            starts.append(start)
    starts = np.sort(starts)
    assert starts[0] >= RF - 1 and starts[-1] + 1000 <= 40_000  # never the validation range
    assert np.all(np.diff(starts) == 1000)  # one tiling: each training sample at most once per epoch


def test_epochs_are_reproducible_and_differ_from_each_other():
    data = coded_data(50_000, training=(0, 40_000), validation=(40_000, 50_000))

    def first_targets(seed: int, epoch: int) -> list[float]:
        windows = TrainingWindows(data, RF, window=1000, batch_size=4, seed=seed)
        return [float(y[0]) for _, targets, _, _ in windows.batches(epoch) for y in targets]

    assert first_targets(1, 0) == first_targets(1, 0)
    assert first_targets(1, 0) != first_targets(1, 1)
    assert first_targets(1, 0) != first_targets(2, 0)
