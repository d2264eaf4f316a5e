"""The spectrum view's analysis: a full-scale sine reads 0 dBFS in the band of its frequency."""

import gui_helpers  # noqa: F401  (first: it skips this module where Qt cannot run)
import numpy as np

from neuralfx_gui.scope import FFT_SIZE, HIGH_HZ, LOW_HZ, Spectrum


def test_full_scale_sine_reads_0_db_in_its_band():
    columns, rate = 400, 48000
    spectrum = Spectrum(rate, columns)
    t = np.arange(FFT_SIZE) / rate
    levels = spectrum.update(np.sin(2 * np.pi * 1000.0 * t).astype(np.float32))
    edges = np.geomspace(LOW_HZ, HIGH_HZ, columns + 1)
    band = int(np.searchsorted(edges, 1000.0)) - 1
    assert int(np.argmax(levels)) == band
    assert -0.7 < levels[band] <= 0.0  # the Hann window's scalloping at most (1 kHz falls between bins)
    assert levels[edges[1:] < 500.0].max() < -60.0  # far from 1 kHz: nothing

    silent = spectrum.update(np.zeros(FFT_SIZE, np.float32))
    floor_db = 20 * np.log10(1e-6)
    np.testing.assert_allclose(silent, np.maximum(levels - spectrum.fall_db_per_frame, floor_db))  # it falls
