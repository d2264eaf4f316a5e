"""Data checks: each looks for one mistake that sinks a capture and says what to do about it.

A check returns a `Finding` or None. Errors stop training unless the user passes
`--ignore-checks`; warnings are printed and recorded in the report. A sample-rate mismatch,
NaN samples or a silent file cannot be ignored: nothing sensible can be trained from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neuralfx.loudness import peak_dbfs

from .loss import plain_esr

MAX_LENGTH_MISMATCH_S = 1.0
SILENCE_PEAK_DBFS = -60.0
CLIP_LEVEL = 0.999
CLIP_RUN_SAMPLES = 4  # a flat top this long at full scale is a clipped converter, not a peak
MIN_TRAINING_S = 5.0
RECOMMENDED_TRAINING_S = 60.0
MAX_SELF_ESR = 0.01


@dataclass(frozen=True)
class Finding:
    """One problem found in the data. `check` names the check; `severity` is "error" or "warning"."""

    check: str
    severity: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "severity": self.severity, "message": self.message}


class DataError(ValueError):
    """The data cannot be trained on as it is; the message says why and what to do."""


def sample_rate(input_path: Path, input_rate: int, target_path: Path, target_rate: int) -> Finding | None:
    if input_rate == target_rate:
        return None
    return Finding(
        "sample_rate",
        "error",
        f"{input_path.name} is {input_rate} Hz but {target_path.name} is {target_rate} Hz: record the target at "
        f"the input's rate (set your interface and DAW to {input_rate} Hz) rather than resampling either file",
    )


def non_finite(path: Path, audio: np.ndarray) -> Finding | None:
    bad = int(np.count_nonzero(~np.isfinite(audio)))
    if not bad:
        return None
    return Finding(
        "non_finite", "error", f"{path.name} holds {bad} NaN or Inf samples: export it again as ordinary audio"
    )


def length_mismatch(
    input_path: Path, input_samples: int, target_path: Path, target_samples: int, sample_rate: int
) -> Finding | None:
    difference_s = (target_samples - input_samples) / sample_rate
    if abs(difference_s) <= MAX_LENGTH_MISMATCH_S:
        return None
    relation = "shorter" if difference_s < 0 else "longer"
    if difference_s < 0:
        advice = (
            "the recording stopped early or started late, or it is the wrong file: record the whole input "
            "from its first to its last sample"
        )
    else:
        advice = "it may be the wrong file, or a recording left running: trim it to the input's length"
    return Finding(
        "length",
        "error",
        f"{target_path.name} is {target_samples / sample_rate:.2f} s long but {input_path.name} is "
        f"{input_samples / sample_rate:.2f} s ({abs(difference_s):.2f} s {relation}): " + advice,
    )


def silence(path: Path, audio: np.ndarray, role: str) -> Finding | None:
    """`role` is "input" or "target"."""
    peak = peak_dbfs(audio)
    if peak > SILENCE_PEAK_DBFS:
        return None
    if role == "target":
        advice = (
            "the pedal's output was not recorded: check the cables, that the pedal is on, and the interface "
            "channel you recorded"
        )
    else:
        advice = "the input holds no signal: use the file you played through the pedal"
    return Finding("silence", "error", f"{path.name} is silent (peak {peak:.1f} dBFS): {advice}")


def clipping(path: Path, audio: np.ndarray, role: str) -> Finding | None:
    """Runs of CLIP_RUN_SAMPLES or more samples at full scale. A clipped target is an error (the model
    would learn the converter's clipping); a clipped input only a warning (the pedal did hear it)."""
    at_full_scale = np.abs(audio) >= CLIP_LEVEL
    if not at_full_scale.any():
        return None
    edges = np.diff(np.concatenate([[0], at_full_scale.astype(np.int8), [0]]))
    run_lengths = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    runs = int(np.count_nonzero(run_lengths >= CLIP_RUN_SAMPLES))
    if not runs:
        return None
    if role == "target":
        return Finding(
            "clipping",
            "error",
            f"{path.name} clips: {runs} flat runs at full scale. Lower the interface's input gain (or the pedal's "
            "level) until peaks stay below -1 dBFS, and record again",
        )
    return Finding(
        "clipping",
        "warning",
        f"{path.name} clips: {runs} flat runs at full scale. The model learns the pedal's response to a clipped "
        "signal; lower the level of the input file to avoid it",
    )


def too_short(training_samples: int, sample_rate: int) -> Finding | None:
    seconds = training_samples / sample_rate
    if seconds >= RECOMMENDED_TRAINING_S:
        return None
    if seconds < MIN_TRAINING_S:
        return Finding(
            "too_short",
            "error",
            f"only {seconds:.1f} s of training audio (at least {MIN_TRAINING_S:.0f} s needed, 3 minutes "
            "recommended): record more varied playing, or use `neuralfx capture-signal`",
        )
    return Finding(
        "too_short",
        "warning",
        f"only {seconds:.1f} s of training audio: 3 minutes of varied playing (quiet to hot, chords and single "
        "notes) gives a more faithful model",
    )


def self_esr(first: np.ndarray, second: np.ndarray, target_path: Path) -> tuple[float, Finding | None]:
    """ESR between the target's two recordings of the same validation segment. A pedal is
    deterministic: they should match to noise level. Returns (ESR, finding or None)."""
    esr = plain_esr(first, second)
    if esr < MAX_SELF_ESR:
        return esr, None
    return esr, Finding(
        "self_esr",
        "error",
        f"the two validation passes in {target_path.name} differ (ESR {esr:.4f}, must be below {MAX_SELF_ESR}). "
        "Likely causes: noise or hum in the recording (check grounding and gain staging), a knob moved "
        "during the recording, a time-based effect (delay, reverb, modulation) in the chain, or an amp that "
        "had not warmed up. Fix the cause and record again",
    )
