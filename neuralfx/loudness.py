"""Loudness: ITU-R BS.1770-4 integrated loudness (LUFS), and a preset's loudness.

K-weighting (a +4 dB high shelf above ~1.7 kHz, then a ~38 Hz high-pass) is applied in the
frequency domain to each 400 ms block: its mean square is Σ |X(f)|²·|H_K(f)|² by Parseval.
This treats each block as periodic, which moves results by well under 0.1 dB on music, and
it needs no IIR filtering loop. Blocks overlap by 75 %; the gates are −70 LUFS absolute and
−10 LU relative, as the standard gives.
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


def _biquad_power(b: tuple[float, ...], a: tuple[float, ...], freqs_hz: np.ndarray, sample_rate: float) -> np.ndarray:
    z = np.exp(-2j * np.pi * freqs_hz / sample_rate)
    num = b[0] + b[1] * z + b[2] * z**2
    den = a[0] + a[1] * z + a[2] * z**2
    return np.abs(num / den) ** 2


def k_weighting_power(freqs_hz: np.ndarray, sample_rate: float) -> np.ndarray:
    """|H_K(f)|² of BS.1770's K-weighting, designed at `sample_rate` from its analog parameters."""
    # Stage 1: high shelf, f0 = 1681.97 Hz, +4.0 dB, Q = 0.7072 (BS.1770-4's published values).
    k = math.tan(math.pi * 1681.974450955533 / sample_rate)
    vh = 10 ** (3.999843853973347 / 20)
    vb = vh**0.4996667741545416
    q = 0.7071752369554196
    a0 = 1 + k / q + k * k
    shelf_b = ((vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0)
    shelf_a = (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    # Stage 2: high-pass, f0 = 38.14 Hz, Q = 0.5003.
    k = math.tan(math.pi * 38.13547087602444 / sample_rate)
    q = 0.5003270373238773
    a0 = 1 + k / q + k * k
    hp_b = (1.0, -2.0, 1.0)
    hp_a = (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    return _biquad_power(shelf_b, shelf_a, freqs_hz, sample_rate) * _biquad_power(hp_b, hp_a, freqs_hz, sample_rate)


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
        self._block = round(BLOCK_S * sample_rate)
        self._hop = round(HOP_S * sample_rate)
        freqs = np.fft.rfftfreq(self._block, 1 / sample_rate)
        weights = k_weighting_power(freqs, sample_rate)
        weights[1:-1] *= 2  # one-sided spectrum: count the negative frequencies too
        if self._block % 2:
            weights[-1] *= 2
        self._weights = weights / self._block**2
        self._pending = np.zeros((channels, 0), np.float64)
        self._block_powers: list[float] = []

    def add(self, audio: np.ndarray) -> None:
        audio, _ = as_channels_first(audio)
        self._pending = np.concatenate([self._pending, audio.astype(np.float64)], axis=1)
        available = self._pending.shape[1] - self._block
        if available < 0:
            return
        count = available // self._hop + 1
        for i in range(count):
            block = self._pending[:, i * self._hop : i * self._hop + self._block]
            spectrum = np.abs(np.fft.rfft(block, axis=1)) ** 2
            # BS.1770 weighs left and right (and a mono channel) by 1.
            self._block_powers.append(float(np.sum(spectrum @ self._weights)))
        self._pending = self._pending[:, count * self._hop :]

    @property
    def integrated_lufs(self) -> float:
        """Gated integrated loudness in LUFS; -inf for silence or under 400 ms of audio."""
        powers = np.asarray(self._block_powers)
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
