"""Error-to-signal ratio (ESR): the training loss and the figure reported to users.

Training uses ESR on pre-emphasised signals (1 − 0.95 z⁻¹, as in the seed), which weights the
high frequencies where distortion lives. Users compare *plain* ESR across tools, so that is what
validation reports.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch

PRE_EMPHASIS = 0.95

GRADES = ((0.01, "great"), (0.035, "good"), (0.1, "ok"), (0.3, "poor"))
"""NAM's verbal grades, the scale users know: (upper bound of plain ESR, word); above the last, "failed"."""

Signal = TypeVar("Signal", torch.Tensor, np.ndarray)


def esr_grade(esr: float) -> str:
    """'great' (< 0.01), 'good' (< 0.035), 'ok' (< 0.1), 'poor' (< 0.3), else 'failed'."""
    for bound, word in GRADES:
        if esr < bound:
            return word
    return "failed"


def pre_emphasis(x: Signal) -> Signal:
    """x[n] − 0.95·x[n−1] along the last axis (a tensor or an array); one sample shorter (no made-up x[−1])."""
    return x[..., 1:] - PRE_EMPHASIS * x[..., :-1]


def pooled_esr(
    prediction: torch.Tensor, target: torch.Tensor, energy_floor: float = 0.0, weights: torch.Tensor | None = None
) -> torch.Tensor:
    """Pre-emphasised ESR pooled over the whole batch: Σ error² / (Σ target² + floor), each
    window's sums scaled by its weight when `weights` (batch,) are given.

    Per-window ESR divides by almost nothing on the ~10 % of guitar windows that are silent and
    spikes the loss; pooling the energy over the batch, with `energy_floor` for an all-quiet
    batch, keeps it bounded.
    """
    p, t = pre_emphasis(prediction), pre_emphasis(target)
    if weights is None:
        return torch.sum((p - t) ** 2) / (torch.sum(t**2) + energy_floor)
    return torch.sum(weights * torch.sum((p - t) ** 2, -1)) / (torch.sum(weights * torch.sum(t**2, -1)) + energy_floor)


def multi_resolution_stft(
    prediction: torch.Tensor, target: torch.Tensor, fft_sizes: tuple[int, ...] = (512, 1024, 2048)
) -> torch.Tensor:
    """Mean over FFT sizes of spectral convergence plus log-magnitude L1 (hop = size / 4)."""
    losses = []
    for size in fft_sizes:
        window = torch.hann_window(size, device=prediction.device, dtype=prediction.dtype)

        def magnitude(x: torch.Tensor, size: int = size, window: torch.Tensor = window) -> torch.Tensor:
            spectrum = torch.stft(x, size, hop_length=size // 4, window=window, center=False, return_complex=True)
            return spectrum.abs().clamp_min(1e-7)

        p, t = magnitude(prediction), magnitude(target)
        convergence = torch.linalg.norm(t - p) / torch.linalg.norm(t).clamp_min(1e-7)
        log_l1 = torch.mean(torch.abs(torch.log(t) - torch.log(p)))
        losses.append(convergence + log_l1)
    return torch.stack(losses).mean()


def plain_esr(prediction: np.ndarray, target: np.ndarray) -> float:
    """Σ (target − prediction)² / Σ target², in float64. inf when the target is silent."""
    p, t = np.asarray(prediction, np.float64), np.asarray(target, np.float64)
    if p.shape != t.shape:
        raise ValueError(f"prediction {p.shape} and target {t.shape} differ in shape")
    energy = float(np.sum(t**2))
    error = float(np.sum((t - p) ** 2))
    return error / energy if energy > 0 else float("inf")
