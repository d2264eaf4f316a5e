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


def dial_pedal(x: np.ndarray, drive: float, tone: float) -> np.ndarray:
    """A pedal with two dials (0-10): drive sets the clipping gain, tone a one-pole low-pass."""
    from scipy.signal import lfilter

    x = np.asarray(x, np.float64)
    clipped = np.tanh((2 + 3.8 * drive) * (x - 0.5 * np.concatenate([[0.0], x[:-1]])))
    smoothing = 0.1 + 0.08 * tone
    return (0.4 * lfilter([smoothing], [1, smoothing - 1], clipped)).astype(np.float32)


def write_captures(folder: Path, settings: list[tuple[float, float]], unseen: list[tuple[float, float]]) -> Path:
    """One DI take through `dial_pedal` at every (drive, tone) setting, and the manifest naming them
    (`unseen` ones held out). Returns the manifest's path."""
    import json

    x = dry(6.0, seed=3)
    soundfile.write(folder / "di.wav", x, RATE, subtype="FLOAT")
    captures = []
    for (drive, tone), held_out in [*((s, False) for s in settings), *((s, True) for s in unseen)]:
        name = f"drive{drive:g}_tone{tone:g}.wav"
        soundfile.write(folder / name, dial_pedal(x, drive, tone), RATE, subtype="FLOAT")
        captures.append({"input": "di.wav", "target": name, "knobs": {"drive": drive, "tone": tone}} | (
            {"held_out": True} if held_out else {}
        ))  # fmt: skip
    knobs = [{"name": name, "minimum": 0, "maximum": 10, "default": 5} for name in ("drive", "tone")]
    manifest = folder / "captures.json"
    manifest.write_text(json.dumps({"format": "neuralfx.captures", "format_version": 1, "knobs": knobs,
                                    "captures": captures}))  # fmt: skip
    return manifest
