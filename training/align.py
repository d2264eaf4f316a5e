"""Latency alignment: how many samples the target (the recording) lags the input.

Reamping adds the interface's round trip, so the recording starts late. A model trained on a
misaligned pair must predict the future and never gets good. Two detectors:

- `blip_delay`: for our capture signal. Its blips are single samples after digital silence;
  the recording's response to them, averaged over the blips, first rises above the noise floor
  at the delay.
- `cross_correlation_delay`: for any pair. The input-whitened cross-correlation of target and
  input estimates the pair's impulse response; its onset (the first lag reaching half the peak)
  is the delay. The onset, not the peak, because a pedal's filters can put the peak of its
  response a few samples after the sound arrives. On band-limited guitar material the estimate
  is smeared by a few samples and the onset can come out a sample or two early: harmless, the
  model learns that small delay, whereas a late estimate would ask the causal model to predict
  the future.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_DELAY_S = 0.25
ANALYSIS_S = 30.0  # the loudest this-long stretch of input is enough, and bounds the FFT size
ONSET_FRACTION = 0.5
LEAD_WARNING_SAMPLES = 8  # more lead than the estimate's smearing explains
BLIP_DISAGREEMENT_SAMPLES = 20
# Above the noise floor by this factor, and by at least this much absolute (an emulation's
# "noise" is exactly zero).
BLIP_NOISE_FACTOR = 2.0
BLIP_MIN_THRESHOLD = 1e-4


@dataclass
class Alignment:
    """The delay of the target behind the input, and the evidence for it.

    `curve` is what the delay was read from (the averaged blip response, or the impulse-response
    estimate), `curve_lags[i]` the lag in samples of `curve[i]`; `threshold` the level crossed.
    """

    delay_samples: int
    method: str  # "blips", "cross-correlation" or "manual"
    curve: np.ndarray = field(default_factory=lambda: np.zeros(0))
    curve_lags: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    threshold: float | None = None
    blip_delays: list[int | None] = field(default_factory=list)  # None: that blip was not heard
    warnings: list[str] = field(default_factory=list)
    detected: bool = True

    def to_dict(self) -> dict:
        d = {"delay_samples": self.delay_samples, "method": self.method, "warnings": self.warnings}
        if self.blip_delays:
            d["blip_delays"] = self.blip_delays
        return d


def blip_delay(
    target: np.ndarray, blips: tuple[int, ...], window: tuple[int, int], silence: tuple[int, int]
) -> Alignment:
    """Delay from the recording of single-sample blips at input positions `blips`.

    Args:
        target: the recording (1-D).
        blips: blip positions in the input, in samples.
        window: (first, last) lag searched around each blip; first may be negative.
        silence: (start, stop) of digital silence in the input: the recording's noise floor.
    Returns an Alignment with method "blips"; when no blip was heard, `detected` is False and a
    warning says why (the caller falls back to cross-correlation).
    """
    baseline = target[silence[0] : silence[1]].astype(np.float64)
    offset = baseline.mean() if baseline.size else 0.0
    noise = float(np.max(np.abs(baseline - offset), initial=0.0))
    threshold = max(BLIP_NOISE_FACTOR * noise, noise + BLIP_MIN_THRESHOLD)
    lags = np.arange(window[0], window[1])
    responses = []
    for blip in blips:
        if blip + window[1] > len(target):
            continue
        responses.append(target[blip + window[0] : blip + window[1]].astype(np.float64) - offset)
    if not responses:
        return Alignment(0, "blips", warnings=["the recording ends before its blips: it is cut short"], detected=False)
    average = np.mean(responses, axis=0)
    result = Alignment(0, "blips", average, lags, threshold)
    for response in responses:
        above = np.flatnonzero(np.abs(response) > threshold)
        result.blip_delays.append(int(lags[above[0]]) if above.size else None)
    above = np.flatnonzero(np.abs(average) > threshold)
    if not above.size:
        result.warnings.append("no response to the latency blips rose above the recording's noise floor")
        result.detected = False
        return result
    result.delay_samples = int(lags[above[0]])
    heard = [d for d in result.blip_delays if d is not None]
    if heard and max(heard) - min(heard) > BLIP_DISAGREEMENT_SAMPLES:
        result.warnings.append(
            f"the blips' delays disagree ({', '.join(map(str, heard))} samples): noise, a time-based "
            "effect or a drifting clock; check the alignment plot"
        )
    if result.delay_samples == window[0]:
        result.warnings.append("the response starts at the very edge of the search window: the delay may be wrong")
    return result


def cross_correlation_delay(
    x: np.ndarray, y: np.ndarray, sample_rate: int, max_delay_s: float = MAX_DELAY_S
) -> Alignment:
    """Delay of `y` behind `x` from the onset of the pair's estimated impulse response.

    Lags from −max_delay_s to +max_delay_s are searched; a negative result means the target leads.
    """
    x, y = _loudest_stretch(x, y, round(ANALYSIS_S * sample_rate), sample_rate)
    max_lag = min(round(max_delay_s * sample_rate), len(x) - 1, len(y) - 1)
    n = len(x) + len(y)
    size = 1 << (n - 1).bit_length()
    xf = np.fft.rfft(x.astype(np.float64) - x.mean(), size)
    yf = np.fft.rfft(y.astype(np.float64) - y.mean(), size)
    power = np.abs(xf) ** 2
    # Whitening by the input's spectrum turns the correlation into an impulse-response estimate;
    # the regulariser keeps empty frequency bands from amplifying noise.
    impulse = np.fft.irfft(yf * np.conj(xf) / (power + 1e-3 * power.mean()), size)
    lags = np.arange(-max_lag, max_lag + 1)
    curve = impulse[lags % size]
    threshold = ONSET_FRACTION * float(np.max(np.abs(curve)))
    onset = int(lags[np.flatnonzero(np.abs(curve) >= threshold)[0]])
    result = Alignment(onset, "cross-correlation", curve, lags, threshold)
    if onset < -LEAD_WARNING_SAMPLES:
        result.warnings.append(
            f"the target leads the input by {-onset} samples: are the input and target files swapped?"
        )
    if abs(onset) >= max_lag:
        result.warnings.append(f"the delay is at the edge of the ±{max_delay_s} s search: the files may not match")
    return result


def _loudest_stretch(x: np.ndarray, y: np.ndarray, length: int, hop: int) -> tuple[np.ndarray, np.ndarray]:
    """The `length`-sample stretch of x (starting on a multiple of `hop`) with the most energy, and y's."""
    n = min(len(x), len(y))
    if n <= length:
        return x[:n], y[:n]
    energy = np.concatenate([[0.0], np.cumsum(x[:n].astype(np.float64) ** 2)])
    starts = np.arange(0, n - length + 1, hop)
    start = int(starts[np.argmax(energy[starts + length] - energy[starts])])
    return x[start : start + length], y[start : start + length]


def shift_target(target: np.ndarray, delay: int, length: int) -> tuple[np.ndarray, tuple[int, int]]:
    """The target moved `delay` samples earlier onto the input's time axis, `length` samples long.

    Returns (aligned target, (start, stop) of the samples that came from the recording); samples
    outside that range are zeros and must not be trained or validated on.
    """
    aligned = np.zeros(length, dtype=np.float32)
    start, stop = max(0, -delay), min(length, len(target) - delay)
    if stop > start:
        aligned[start:stop] = target[start + delay : stop + delay]
    return aligned, (start, max(start, stop))
