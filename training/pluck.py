"""A plucked electric-guitar string in numpy: extended Karplus-Strong with a magnetic pickup.

One period of noise shaped like a plucked string (harmonics falling off, faster for a soft stroke,
notched by the pick position) circulates in a delay line whose length follows the note's pitch,
bends included, through a two-point loop filter that damps high harmonics faster than the
fundamental. The pickup sees the string through a comb (its position along the string) and a
resonant low-pass (its coil and the cable, around 3 kHz).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RELEASE_S = 0.08  # a fretting hand damps the string this fast after the note ends


@dataclass(frozen=True)
class Tone:
    """How a guitar and its pickup colour the strings."""

    brightness: float  # loop-filter weight 0..0.5: 0.5 damps high harmonics fastest
    sustain_s: float  # T60 of a 110 Hz string; higher strings die sooner
    pick_position: float  # pick distance from the bridge, fraction of the string length
    pickup_position: float  # pickup distance from the bridge, fraction of the string length
    resonance_hz: float
    resonance_q: float


def pluck(
    pitch: float,
    ring_s: float,
    velocity: int,
    sample_rate: int,
    tone: Tone,
    rng: np.random.Generator,
    bend: tuple[tuple[float, float], ...] = (),
) -> np.ndarray:
    """One plucked note, float64, `ring_s` seconds plus the release; louder as (velocity / 127) ** 1.5.

    `pitch` is a MIDI note number; `bend` holds (seconds after the pluck, semitones) breakpoints.
    The pickup resonance is not applied here: see `pickup_resonance`.
    """
    n = round((ring_s + RELEASE_S) * sample_rate)
    t = np.arange(n) / sample_rate
    semitones = pitch - 69 + (np.interp(t, *np.transpose(bend)) if bend else 0.0)
    frequency = 440.0 * 2.0 ** (semitones / 12.0) * np.ones(n)
    # The loop filter adds `brightness` samples of delay; the delay line makes up the rest of a period.
    delay = sample_rate / frequency - tone.brightness
    period = int(delay[0])

    t60_s = np.clip(tone.sustain_s * (110.0 / frequency[0]) ** 0.5, 0.05, 12.0)
    t60 = np.where(t < ring_s, t60_s, min(t60_s, RELEASE_S / 2))
    loop_gain = 10.0 ** (-3.0 * delay / (t60 * sample_rate))

    # A plucked string starts with harmonic h at about 1/h^0.8 (a sharp pick) to 1/h^1.4 (a soft stroke).
    harmonics = np.arange(period // 2 + 1)
    rolloff = 0.8 + 0.6 * (1 - velocity / 127)
    spectrum = np.zeros(len(harmonics), dtype=complex)
    spectrum[1:] = rng.uniform(0.5, 1.0, len(harmonics) - 1) * harmonics[1:] ** -rolloff
    spectrum[1:] *= np.exp(2j * np.pi * rng.uniform(size=len(harmonics) - 1))
    burst = np.fft.irfft(spectrum, period)
    pick = max(1, round(tone.pick_position * period))
    burst -= np.roll(burst, pick)  # the pick position notches harmonics: one period, so a circular comb

    # y[j] = x[j] + loop_gain * ((1 - b) * y(j - delay) + b * y(j - delay - 1)), y(.) linearly interpolated:
    # taps on y[k - 1], y[k], y[k + 1] with k = floor(j - delay).
    pad = int(delay.max()) + 2
    y = np.zeros(pad + n)
    y[pad : pad + period] = burst
    read = np.arange(pad, pad + n) - delay
    k = np.floor(read).astype(np.int64)
    frac = read - k
    b = tone.brightness
    w_before = loop_gain * b * (1 - frac)
    w_at = loop_gain * ((1 - b) * (1 - frac) + b * frac)
    w_after = loop_gain * (1 - b) * frac
    lag = np.arange(pad, pad + n) - k  # ≥ 2; a chunk may only read samples written before it
    j = 0
    while j < n:
        stop = min(n, j + int(lag[j : j + lag[j]].min()) - 1)
        kk = k[j:stop]
        y[pad + j : pad + stop] += w_before[j:stop] * y[kk - 1] + w_at[j:stop] * y[kk] + w_after[j:stop] * y[kk + 1]
        j = stop

    string = y[pad:]
    pickup = max(1, round(tone.pickup_position * period))
    out = string.copy()
    out[pickup:] -= string[:-pickup]
    return out * (velocity / 127) ** 1.5 / max(np.abs(burst).max(), 1e-9)


def pickup_resonance(signal: np.ndarray, sample_rate: int, tone: Tone) -> np.ndarray:
    """The pickup's resonant low-pass (a 2-pole resonance at `tone.resonance_hz`), same length."""
    w0 = 2 * np.pi * tone.resonance_hz / sample_rate
    alpha = np.sin(w0) / (2 * tone.resonance_q)
    cos_w0 = np.cos(w0)
    b = np.array([(1 - cos_w0) / 2, 1 - cos_w0, (1 - cos_w0) / 2]) / (1 + alpha)
    a1, a2 = -2 * cos_w0 / (1 + alpha), (1 - alpha) / (1 + alpha)
    # Filtering in the frequency domain is circular; the resonance rings for a few hundred samples at most,
    # so 4096 samples of zero padding keep its tail from wrapping round.
    size = 1 << int(np.ceil(np.log2(len(signal) + 4096)))
    z = np.exp(-1j * np.pi * np.arange(size // 2 + 1) / (size // 2))  # z^-1 on the rfft grid
    response = (b[0] + b[1] * z + b[2] * z**2) / (1 + a1 * z + a2 * z**2)
    return np.fft.irfft(np.fft.rfft(signal, size) * response, size)[: len(signal)]
