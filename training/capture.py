"""The reamp capture signal: play it through your own pedal, record the output, train on the pair.

Its layout follows NAM's v3 standard input with our own content (docs/capture.md):

| seconds | content |
|---|---|
| 0 – 9 | validation: hot chords, single notes, quiet arpeggios or palm mutes (3 s each) |
| 9 – 10 | silence: the noise floor |
| 10 – 12 | two single-sample blips at 10.5 s and 11.5 s, for latency detection |
| 12 – 15 | three exponential sine sweeps, 20 Hz to 20 kHz, at -30, -18 and -6 dBFS |
| 15 – 17 | white then pink noise |
| 17 – 180.5 | training material: varied guitar-like playing from quiet to hot |
| 180.5 – 181 | silence |
| 181 – 190 | the validation segment again, sample for sample |

The playing comes from our string model ("ks" in `material`), so generating it needs no soundfont.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neuralfx.audio import db_to_gain

from .material import STYLES, compose, render

VALIDATION_SEED = 9001
# Three 3-second parts: (styles to pick from, peak dBFS).
VALIDATION_PARTS = ((("power_chords", "strum"), -3.0), (("lead", "riff"), -12.0), (("arpeggio", "palm_mute"), -24.0))
TRAINING_SEED = 9002
NOISE_SEED = 9003
PEAK_RANGE_DB = (-27.0, -1.0)  # wider than the training DI's: a stranger's pedal may care about either end
BLIP_AMPLITUDE = 0.5
SWEEP_PEAKS_DB = (-30.0, -18.0, -6.0)
NOISE_RMS_DB = (-24.0, -18.0)  # white, pink

# Segment boundaries in seconds.
_VALIDATION_S = 9.0
_BLIPS_S = (10.5, 11.5)
_SWEEPS_S = (12.0, 15.0)
_NOISE_S = (15.0, 17.0)
_TRAINING_S = (17.0, 180.5)
_SECOND_VALIDATION_S = 181.0
_TOTAL_S = 190.0
_BLIP_WINDOW_S = (-0.01, 0.45)


@dataclass(frozen=True)
class CaptureLayout:
    """Where each part of the capture signal lies, in samples at `sample_rate`. Ranges are (start, stop)."""

    sample_rate: int
    total_samples: int
    validation: tuple[tuple[int, int], tuple[int, int]]  # the two identical copies
    silence: tuple[int, int]  # digital silence before the blips: measure the recording's noise floor here
    blips: tuple[int, ...]  # onset of each blip (a single sample at BLIP_AMPLITUDE)
    # (first, last) offsets from each blip onset within which its echo in the recording is searched. A
    # negative offset allows a recording that runs slightly early; nothing but silence is in the window.
    blip_window: tuple[int, int]
    sweeps: tuple[int, int]
    noise: tuple[int, int]
    training: tuple[int, int]


def capture_layout(sample_rate: int = 48000) -> CaptureLayout:
    def at(seconds: float) -> int:
        return round(seconds * sample_rate)

    validation_samples = at(_VALIDATION_S)
    second = at(_SECOND_VALIDATION_S)
    return CaptureLayout(
        sample_rate=sample_rate,
        total_samples=second + validation_samples,
        validation=((0, validation_samples), (second, second + validation_samples)),
        silence=(validation_samples, at(_BLIPS_S[0]) + at(_BLIP_WINDOW_S[0])),
        blips=tuple(at(s) for s in _BLIPS_S),
        blip_window=(at(_BLIP_WINDOW_S[0]), at(_BLIP_WINDOW_S[1])),
        sweeps=(at(_SWEEPS_S[0]), at(_SWEEPS_S[1])),
        noise=(at(_NOISE_S[0]), at(_NOISE_S[1])),
        training=(at(_TRAINING_S[0]), at(_TRAINING_S[1])),
    )


def _playing(seconds: float, seed: int, sample_rate: int, peak_range_db=PEAK_RANGE_DB, styles=STYLES) -> np.ndarray:
    return render(compose(seconds, seed, peak_range_db, styles), seconds, sample_rate, source="ks", seed=seed)


def _validation(sample_rate: int) -> np.ndarray:
    seconds = _VALIDATION_S / len(VALIDATION_PARTS)
    parts = [
        _playing(seconds, VALIDATION_SEED + i, sample_rate, (peak_db, peak_db), styles)
        for i, (styles, peak_db) in enumerate(VALIDATION_PARTS)
    ]
    return np.concatenate(parts)


def _sweeps(samples: int, sample_rate: int) -> np.ndarray:
    """Exponential sine sweeps, one per SWEEP_PEAKS_DB, each with 10 ms fades and a short gap after it."""
    each = samples // len(SWEEP_PEAKS_DB)
    length = each - round(0.05 * sample_rate)
    low, high = 20.0, min(20000.0, 0.45 * sample_rate)
    t = np.arange(length) / sample_rate
    duration = length / sample_rate
    rate = np.log(high / low)
    sweep = np.sin(2 * np.pi * low * duration / rate * (np.exp(t / duration * rate) - 1))
    fade = round(0.01 * sample_rate)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
    sweep[:fade] *= ramp
    sweep[-fade:] *= ramp[::-1]
    out = np.zeros(samples)
    for i, peak_db in enumerate(SWEEP_PEAKS_DB):
        out[i * each : i * each + length] = sweep * db_to_gain(peak_db)
    return out


def _noise(samples: int, sample_rate: int) -> np.ndarray:
    """White noise, then pink (-3 dB per octave, from 20 Hz), each at its NOISE_RMS_DB level."""
    rng = np.random.default_rng(NOISE_SEED)
    half = samples // 2
    white = rng.standard_normal(half)
    spectrum = np.fft.rfft(rng.standard_normal(samples - half))
    frequency = np.fft.rfftfreq(samples - half, 1 / sample_rate)
    pink = np.fft.irfft(spectrum / np.sqrt(np.maximum(frequency, 20.0)), samples - half)
    parts = [
        part / np.sqrt(np.mean(part**2)) * db_to_gain(rms_db)
        for part, rms_db in zip((white, pink), NOISE_RMS_DB, strict=True)
    ]
    return np.clip(np.concatenate(parts), -0.9, 0.9)


@functools.lru_cache(maxsize=2)
def _capture_signal(sample_rate: int) -> np.ndarray:
    layout = capture_layout(sample_rate)
    out = np.zeros(layout.total_samples, dtype=np.float32)
    validation = _validation(sample_rate)
    for start, stop in layout.validation:
        out[start:stop] = validation
    for blip in layout.blips:
        out[blip] = BLIP_AMPLITUDE
    out[slice(*layout.sweeps)] = _sweeps(layout.sweeps[1] - layout.sweeps[0], sample_rate)
    out[slice(*layout.noise)] = _noise(layout.noise[1] - layout.noise[0], sample_rate)
    start, stop = layout.training
    out[start:stop] = _playing((stop - start) / sample_rate, TRAINING_SEED, sample_rate)
    out.flags.writeable = False
    return out


def make_capture_signal(sample_rate: int = 48000) -> np.ndarray:
    """The capture signal, float32 mono, `capture_layout(sample_rate).total_samples` long; peaks stay below 0.9.

    Deterministic: the same rate always gives the same samples.
    """
    return _capture_signal(sample_rate).copy()


def is_capture_signal(x: np.ndarray, sample_rate: int) -> bool:
    """Whether mono `x` (1-D, ±1.0 full scale) is our capture signal at `sample_rate`, as written or saved as
    16/24-bit PCM. A changed gain, a trim or other audio is not.
    """
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"is_capture_signal takes mono 1-D audio, got shape {x.shape}")
    if len(x) != capture_layout(sample_rate).total_samples:
        return False  # without rendering the signal
    reference = _capture_signal(sample_rate)
    # 16-bit quantisation leaves an error-to-signal ratio near 1e-7; anything else is far above 1e-4.
    error = np.sum((x.astype(np.float64) - reference) ** 2)
    return bool(error <= 1e-4 * np.sum(reference.astype(np.float64) ** 2))


def write_capture_signal(path: Path, sample_rate: int = 48000, subtype: str = "FLOAT") -> None:
    """Write the capture signal to `path` (a format soundfile knows from the suffix, e.g. .wav), atomically.

    `subtype` is soundfile's sample format: "FLOAT", "PCM_24" or "PCM_16".
    """
    import soundfile

    from neuralfx.fileio import atomic_path

    with atomic_path(Path(path)) as tmp:
        soundfile.write(tmp, _capture_signal(sample_rate), sample_rate, subtype=subtype)
