"""Synthetic input/target pairs for the training tests: a known "pedal" made in numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile
from conftest import guitarish

RATE = 16000


def soft_clipper(x: np.ndarray) -> np.ndarray:
    """A filtered soft clipper with 6 samples of memory: a one-zero pre-emphasis, tanh drive, a
    4-tap low-pass. Nonlinear enough that a linear filter cannot fit it."""
    x = np.asarray(x, np.float64)
    emphasised = x - 0.5 * np.concatenate([[0.0], x[:-1]])
    return (0.5 * np.convolve(np.tanh(25 * emphasised), [0.4, 0.3, 0.2, 0.1])[: len(x)]).astype(np.float32)


def dry(seconds: float, seed: int = 0) -> np.ndarray:
    return guitarish(seconds, RATE, seed=seed)[0] * 0.7


def write_pair(
    folder: Path, x: np.ndarray, y: np.ndarray, rate: int = RATE, target_rate: int | None = None
) -> tuple[Path, Path]:
    """Write float WAVs input.wav and target.wav into `folder`; returns their paths."""
    paths = folder / "input.wav", folder / "target.wav"
    soundfile.write(paths[0], x, rate, subtype="FLOAT")
    soundfile.write(paths[1], y, target_rate or rate, subtype="FLOAT")
    return paths


def delayed(y: np.ndarray, delay: int) -> np.ndarray:
    """`y` arriving `delay` samples late, same length."""
    return np.concatenate([np.zeros(delay, np.float32), y])[: len(y)]
