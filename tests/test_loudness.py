"""Our streaming BS.1770-4 meter against pyloudnorm, the ecosystem's implementation, on real
material: guitar DI, the TS9's output, short, quiet and gated clips, stereo at 44.1 kHz."""

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from conftest import REPO

from neuralfx import NeuralPedal
from neuralfx.loudness import LoudnessMeter, integrated_loudness
from neuralfx.reamp.render import resample_blocks

DI, RATE = sf.read(REPO / "examples" / "di_clip.wav", dtype="float32")


def _stereo_44k() -> np.ndarray:
    mono = np.concatenate(list(resample_blocks([DI[None]], RATE, 44100, 1)), axis=1)[0]
    return np.stack([mono, 0.5 * np.roll(mono, 1000)])


CASES = {
    "DI clip": lambda: (DI, RATE),
    "TS9 output": lambda: (NeuralPedal.from_preset("ts9")(DI, RATE), RATE),
    "0.45 s": lambda: (DI[RATE : RATE + round(0.45 * RATE)], RATE),
    "1 s": lambda: (DI[:RATE], RATE),
    "quiet, -45 dB": lambda: (DI * 10 ** (-45 / 20), RATE),
    "a burst in silence (gated)": lambda: (np.concatenate([np.zeros(3 * RATE), DI[:RATE], np.zeros(3 * RATE)]), RATE),
    "stereo at 44.1 kHz": lambda: (_stereo_44k(), 44100),
}


@pytest.mark.parametrize("case", CASES)
def test_agrees_with_pyloudnorm(case):
    audio, rate = CASES[case]()
    ours = integrated_loudness(audio, rate)
    frames = np.asarray(audio, np.float64).T
    assert -70 < ours < 0
    # pyloudnorm's default K-weighting is designed from rounded filter parameters (1.5 kHz shelf)...
    assert ours == pytest.approx(pyloudnorm.Meter(rate).integrated_loudness(frames), abs=0.1)
    # ...its "DeMan" filters are BS.1770-4's published ones, which we use: then the meters agree.
    assert ours == pytest.approx(pyloudnorm.Meter(rate, filter_class="DeMan").integrated_loudness(frames), abs=1e-3)


def test_chunks_of_any_size_measure_the_same():  # bit-identically: batch joins segments and meters the join
    whole = integrated_loudness(DI, RATE)
    meter = LoudnessMeter(RATE, 1)
    start = 0
    for size in [1, 17, 4095, 4800, 100_000] * 20:
        meter.add(DI[start : start + size])
        start += size
    meter.add(DI[start:])
    assert meter.integrated_lufs == whole


def test_too_short_or_silent_is_minus_infinity():
    assert integrated_loudness(DI[: round(0.39 * RATE)], RATE) == -np.inf
    assert integrated_loudness(np.zeros(RATE, np.float32), RATE) == -np.inf
    assert integrated_loudness(DI * 1e-4, RATE) == -np.inf  # under the −70 LUFS absolute gate
