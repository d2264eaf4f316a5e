"""Loudness: ITU-R BS.1770-4 integrated loudness (LUFS), and a preset's loudness.

The signal is K-weighted in the time domain by the standard's two biquads (a +4 dB high shelf
above ~1.7 kHz, then a ~38 Hz high-pass, designed at the signal's rate from their analog
parameters), streamed with scipy's filter state, so a file of any length is measured in bounded
memory. Blocks of 400 ms overlap by 75 %; the gates are −70 LUFS absolute and −10 LU relative.
It agrees with pyloudnorm within 0.1 LU (tests/test_loudness.py), which we do not use because it
needs the whole signal in memory.
"""

from __future__ import annotations

import math

import numpy as np

from .audio import as_channels_first

BLOCK_S = 0.4
HOP_S = 0.1
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
REFERENCE_LEVEL_DBFS = -18.0
_HOPS_PER_BLOCK = round(BLOCK_S / HOP_S)


def k_weighting(sample_rate: float) -> np.ndarray:
    """BS.1770-4's K-weighting at `sample_rate` as second-order sections (2, 6), for scipy."""
    # Stage 1: high shelf, f0 = 1681.97 Hz, +4.0 dB, Q = 0.7072 (BS.1770-4's published values).
    k = math.tan(math.pi * 1681.974450955533 / sample_rate)
    vh = 10 ** (3.999843853973347 / 20)
    vb = vh**0.4996667741545416
    q = 0.7071752369554196
    a0 = 1 + k / q + k * k
    shelf = [(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]
    shelf += [1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    # Stage 2: high-pass, f0 = 38.14 Hz, Q = 0.5003.
    k = math.tan(math.pi * 38.13547087602444 / sample_rate)
    q = 0.5003270373238773
    a0 = 1 + k / q + k * k
    high_pass = [1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return np.array([shelf, high_pass])


class LoudnessMeter:
    """Integrated loudness of a signal fed in chunks of any size, in bounded memory.

    Shape: `add(audio)` takes (channels, n) or (n,) float audio.
    """

    def __init__(self, sample_rate: float, channels: int) -> None:
        if not 1 <= channels <= 2:
            raise ValueError(
                f"loudness is measured for mono and stereo audio; this has {channels} channels "
                "(BS.1770 weights surround channels and skips the LFE, which needs a known channel layout)"
            )
        self.sample_rate = sample_rate
        self._hop = round(HOP_S * sample_rate)
        self._sos = k_weighting(sample_rate)
        self._state = np.zeros((channels, self._sos.shape[0], 2))
        # y² of the hop being filled, summed over channels (BS.1770 weighs L, R and mono by 1). Each
        # hop is summed in one call, so any cutting of the signal into chunks measures bit-identically.
        self._partial = np.zeros(0)
        self._hop_energies: list[float] = []

    def add(self, audio: np.ndarray) -> None:
        from scipy.signal import sosfilt

        audio, _ = as_channels_first(audio)
        if not audio.shape[1]:
            return
        weighted = np.empty(audio.shape)
        for c in range(audio.shape[0]):
            weighted[c], self._state[c] = sosfilt(self._sos, audio[c].astype(np.float64), zi=self._state[c])
        squares = np.sum(weighted**2, axis=0)
        if self._partial.size:
            squares = np.concatenate([self._partial, squares])
        whole = squares.size - squares.size % self._hop
        for start in range(0, whole, self._hop):
            self._hop_energies.append(float(np.sum(squares[start : start + self._hop])))
        self._partial = squares[whole:].copy()

    @property
    def integrated_lufs(self) -> float:
        """Gated integrated loudness in LUFS; -inf for silence or under 400 ms of audio."""
        hops = np.asarray(self._hop_energies)
        if hops.size < _HOPS_PER_BLOCK:
            return -math.inf
        # Each block is four whole hops; its power is their mean square.
        powers = np.convolve(hops, np.ones(_HOPS_PER_BLOCK), "valid") / (_HOPS_PER_BLOCK * self._hop)
        powers = powers[powers > 10 ** ((ABSOLUTE_GATE_LUFS + 0.691) / 10)]
        if powers.size == 0:
            return -math.inf
        relative_gate = _lufs(powers.mean()) + RELATIVE_GATE_LU
        gated = powers[powers > 10 ** ((relative_gate + 0.691) / 10)]
        return _lufs(gated.mean())


def _lufs(mean_square: float) -> float:
    return -0.691 + 10 * math.log10(mean_square)


def integrated_loudness(audio: np.ndarray, sample_rate: float) -> float:
    """Integrated loudness in LUFS of (channels, n) or (n,) audio."""
    audio, _ = as_channels_first(audio)
    meter = LoudnessMeter(sample_rate, audio.shape[0])
    meter.add(audio)
    return meter.integrated_lufs


def reference_signal(sample_rate: int, seconds: float = 8.0) -> np.ndarray:
    """A fixed guitar-like test signal: plucked harmonic notes (E2–E4), at −18 dBFS RMS.

    Shape: (samples,) float32. Used to state every preset's loudness on the same input.
    """
    note_s = 0.5
    t = np.arange(round(note_s * sample_rate)) / sample_rate
    notes = [40, 45, 50, 55, 59, 64, 52, 47]  # MIDI: E2 A2 D3 G3 B3 E4 E3 B2
    envelope = np.exp(-t * 6.0) * np.minimum(t * sample_rate / 48, 1.0)
    plucks = []
    for i in range(round(seconds / note_s)):
        f0 = 440.0 * 2 ** ((notes[i % len(notes)] - 69) / 12)
        harmonics = np.arange(1, int(min(20, 0.45 * sample_rate / f0)) + 1)
        tone = (np.sin(2 * np.pi * f0 * np.outer(harmonics, t)) / harmonics[:, None]).sum(axis=0)
        plucks.append(tone * envelope * (0.5 + 0.5 * (i % 3) / 2))  # three playing strengths
    x = np.concatenate(plucks)
    x *= 10 ** (REFERENCE_LEVEL_DBFS / 20) / np.sqrt(np.mean(x**2))
    return x.astype(np.float32)


def peak_dbfs(audio: np.ndarray) -> float:
    """Sample peak in dBFS over all channels and samples."""
    peak = float(np.max(np.abs(audio))) if np.size(audio) else 0.0
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def rms_dbfs(audio: np.ndarray) -> float:
    """Plain RMS level in dBFS over all channels and samples."""
    mean_square = float(np.mean(np.square(audio, dtype=np.float64)))
    return 10 * math.log10(mean_square) if mean_square > 0 else -math.inf


def preset_loudness_db(effect, sample_rate: int) -> float:
    """RMS level in dBFS of `effect`'s output for `reference_signal(sample_rate)`; this is the
    `loudness_db` a preset records."""
    return rms_dbfs(effect(reference_signal(sample_rate), sample_rate))
