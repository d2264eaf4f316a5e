"""The tuner's ears: the pitch of a guitar string, and the note and cents it stands for. No Qt here.

`detect_pitch` is YIN (de Cheveigné and Kawahara, "YIN, a fundamental frequency estimator for
speech and music", JASA 2002): the cumulative mean normalised difference function, its absolute
threshold, and a parabola through the minimum for a period between samples. The difference
function is computed with FFTs, so one estimate over 4096 samples costs well under a millisecond.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

NOTE_NAMES = ("C", "C♯", "D", "D♯", "E", "F", "F♯", "G", "G♯", "A", "A♯", "B")
LOWEST_HZ = 30.0
"""Below a drop-A on a baritone or a five-string bass's B (30.9 Hz)."""
HIGHEST_HZ = 1400.0
"""Above the 24th fret of a guitar's high E (1319 Hz)."""
THRESHOLD = 0.15
"""YIN's absolute threshold: the first dip of the normalised difference below it is the period."""
QUIET_DB = -60.0
"""An input quieter than this (RMS, dBFS) has no pitch worth showing."""


@dataclass(frozen=True)
class Note:
    """The nearest equal-tempered note to a frequency: e.g. A2, +3.1 cents."""

    name: str
    octave: int
    cents: float
    frequency_hz: float

    def __str__(self) -> str:
        return f"{self.name}{self.octave}"


def detect_pitch(samples: np.ndarray, sample_rate: float) -> float | None:
    """The fundamental frequency in Hz of a mono signal (the last few thousand samples of the input),
    or None when it is too quiet or has no clear period between LOWEST_HZ and HIGHEST_HZ."""
    x = np.asarray(samples, np.float64)
    x = x - x.mean()
    if x.size < 64 or 10 * math.log10(np.mean(x * x) + 1e-30) < QUIET_DB:
        return None
    shortest, longest = int(sample_rate / HIGHEST_HZ), int(sample_rate / LOWEST_HZ) + 2
    window = x.size - longest
    if window < longest:  # too short for two periods of the lowest note
        longest = x.size // 2
        window = x.size - longest
    difference = _difference(x, window, longest)
    normalised = np.ones_like(difference)
    running = np.cumsum(difference[1:])
    normalised[1:] = difference[1:] * np.arange(1, longest) / np.maximum(running, 1e-30)
    below = np.flatnonzero(normalised[shortest:-1] < THRESHOLD)
    if below.size == 0:
        return None
    tau = shortest + int(below[0])
    while tau + 1 < longest - 1 and normalised[tau + 1] < normalised[tau]:
        tau += 1  # down to the bottom of the dip
    before, at, after = difference[tau - 1], difference[tau], difference[tau + 1]
    bend = before - 2 * at + after
    offset = 0.5 * (before - after) / bend if bend > 0 else 0.0
    return sample_rate / (tau + offset)


def _difference(x: np.ndarray, window: int, longest: int) -> np.ndarray:
    """d(τ) = Σ_{j<window} (x[j] − x[j+τ])² for τ < longest, as energies minus twice a correlation."""
    size = 1 << math.ceil(math.log2(x.size + window))
    spectrum = np.fft.rfft(x, size)
    head = np.fft.rfft(x[:window], size)
    correlation = np.fft.irfft(spectrum * np.conj(head), size)[:longest]
    energy = np.concatenate(([0.0], np.cumsum(x * x)))
    shifted = energy[window : window + longest] - energy[:longest]  # Σ x[j+τ]² over the window
    return np.maximum(energy[window] + shifted - 2 * correlation, 0.0)


def nearest_note(frequency_hz: float, a4_hz: float = 440.0) -> Note:
    """The equal-tempered note nearest to a frequency, and how far off it is in cents."""
    semitones = 69 + 12 * math.log2(frequency_hz / a4_hz)
    number = round(semitones)
    return Note(NOTE_NAMES[number % 12], number // 12 - 1, 100 * (semitones - number), frequency_hz)
