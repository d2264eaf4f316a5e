"""The tuner's pitch detection (YIN): guitar-like tones from a drop-A to the 24th fret read within a
cent, a 110 Hz tone reads as A2, and silence or noise reads as no pitch."""

import numpy as np
import pytest

from neuralfx_gui.pitch import detect_pitch, nearest_note

RATE = 48000


def plucked(frequency_hz: float, samples: int = 4096, seed: int = 0) -> np.ndarray:
    """A string-like tone: a strong second and third harmonic, a little noise, at about -12 dBFS."""
    t = np.arange(samples) / RATE
    rng = np.random.default_rng(seed)
    harmonics = ((1, 1.0), (2, 0.8), (3, 0.5))
    tone = sum(a * np.sin(2 * np.pi * k * frequency_hz * t + rng.uniform(0, 6)) for k, a in harmonics)
    return (0.12 * tone + rng.normal(0, 0.002, samples)).astype(np.float32)


@pytest.mark.parametrize("frequency_hz", [55.0, 73.42, 82.41, 110.0, 146.83, 196.0, 246.94, 329.63, 659.26, 1318.5])
def test_guitar_notes_read_within_a_cent(frequency_hz):
    found = detect_pitch(plucked(frequency_hz), RATE)
    assert found is not None
    assert abs(1200 * np.log2(found / frequency_hz)) < 1.0


def test_a_110_hz_tone_is_a2_and_a_flat_one_says_how_flat():
    note = nearest_note(detect_pitch(plucked(110.0), RATE))
    assert str(note) == "A2" and abs(note.cents) < 0.5
    flat = nearest_note(detect_pitch(plucked(110.0 * 2 ** (-10 / 1200)), RATE))
    assert str(flat) == "A2" and -11 < flat.cents < -9
    assert str(nearest_note(82.41)) == "E2" and str(nearest_note(329.63)) == "E4"


def test_silence_and_noise_have_no_pitch():
    assert detect_pitch(np.zeros(4096, np.float32), RATE) is None
    assert detect_pitch(np.random.default_rng(1).normal(0, 0.3, 4096), RATE) is None
