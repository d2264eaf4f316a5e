"""Audio array conventions shared by every effect: float32, (channels, samples), 1-D accepted."""

from __future__ import annotations

import numpy as np

MAX_CHANNELS = 64
MIN_SAMPLE_RATE = 8000
MAX_SAMPLE_RATE = 768000
"""The sample rates, in Hz, that presets and renders may have."""


def as_channels_first(audio: np.ndarray) -> tuple[np.ndarray, bool]:
    """Return (a float32 (channels, samples) array, whether the input was 1-D).

    The result never aliases the caller's array, so effects may work on it in place.
    """
    array = np.asarray(audio)
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"audio must be floating point (float32 or float64), got {array.dtype}; "
            "scale integer PCM to ±1.0 first (e.g. int16 / 32768)"
        )
    if array.ndim == 1:
        return array.astype(np.float32)[None, :], True
    if array.ndim != 2:
        raise ValueError(f"audio must be (samples,) or (channels, samples), got shape {array.shape}")
    if array.shape[0] > MAX_CHANNELS:
        raise ValueError(
            f"audio has shape {array.shape}: {array.shape[0]} channels? neuralfx expects "
            "(channels, samples); transpose a (samples, channels) array with .T"
        )
    return array.astype(np.float32), False


def restore_layout(audio: np.ndarray, was_1d: bool) -> np.ndarray:
    """Undo `as_channels_first`'s reshaping for the caller."""
    return audio[0] if was_1d else audio


def silence_non_finite(audio: np.ndarray) -> int:
    """Replace NaN and ±Inf with 0 in place. Returns how many were replaced (0: none, falsy)."""
    flat = audio.reshape(-1)  # a view, when the audio is contiguous
    with np.errstate(over="ignore", invalid="ignore"):  # absurd but finite values overflow: no warning
        squares = np.dot(flat, flat)
    if np.isfinite(squares):
        return 0  # the common case, checked without a temporary array: NaN and ±Inf make the sum non-finite
    bad = ~np.isfinite(audio)
    count = int(np.count_nonzero(bad))
    if count:
        audio[bad] = 0.0
    return count


def blend_into(wet: np.ndarray, dry: np.ndarray, amount: float | np.ndarray) -> None:
    """wet ← dry + amount · (wet − dry), in place: a mix or a crossfade. `amount` is a float, or
    per-sample (n,) values for (…, n) audio; a steady 1.0 leaves wet as it is, at no cost."""
    if isinstance(amount, float) and amount == 1.0:
        return
    wet -= dry
    wet *= amount
    wet += dry


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))
