"""The target's DC is removed with a zero-phase 20 Hz high-pass: a drifting offset goes, the
audio stays, and nothing is delayed."""

import numpy as np

from neuralfx_training.data import highpass_zero_phase
from neuralfx_training.loss import plain_esr


def test_a_drifting_offset_is_removed_and_the_audio_kept():
    rate = 48000
    t = np.arange(4 * rate) / rate
    audio = 0.3 * np.sin(2 * np.pi * 220 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 1.5 * t))
    drift = 0.05 + 0.03 * np.sin(2 * np.pi * 0.5 * t)  # an offset that wanders with the playing
    cleaned = highpass_zero_phase((audio + drift).astype(np.float32), rate)
    assert cleaned.dtype == np.float32
    assert abs(cleaned.mean()) < 1e-4
    inner = slice(rate // 2, -rate // 2)
    assert plain_esr(cleaned[inner], audio[inner]) < 1e-6
    # Zero phase: the 220 Hz tone is not shifted in time.
    lags = np.arange(-5, 6)
    correlation = [np.dot(np.roll(cleaned[inner], lag), audio[inner]) for lag in lags]
    assert lags[int(np.argmax(correlation))] == 0
