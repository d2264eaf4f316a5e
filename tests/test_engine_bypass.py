"""The footswitch: bypass crossfades linearly to the dry input, and back, while the model keeps running."""

import numpy as np
from live_helpers import guitar_like, run_signal_path, tiny_chain

from neuralfx.engine.program import LiveProgram
from neuralfx.engine.signal_path import SignalPath

RATE, BLOCK, FADE_MS = 48000, 128, 5
FADE = RATE * FADE_MS // 1000


def test_bypass_fades_to_dry_and_back_without_steps():
    x = guitar_like(1.0)
    wet = tiny_chain()(x, RATE)
    signal_path = SignalPath(RATE, crossfade_ms=FADE_MS)
    signal_path.load(LiveProgram(tiny_chain(), "A"))
    off, on = 120, 250
    out = run_signal_path(
        signal_path, x, BLOCK, {off: lambda: signal_path.set_bypass(True), on: lambda: signal_path.set_bypass(False)}
    )
    assert signal_path.engaged
    start = off * BLOCK
    np.testing.assert_array_equal(out[start - 1000 : start], wet[start - 1000 : start])
    k = np.arange(1, FADE + 1)
    expected = x[start : start + FADE] + (1 - k / FADE) * (wet - x)[start : start + FADE]
    np.testing.assert_allclose(out[start : start + FADE], expected, atol=1e-6)
    np.testing.assert_array_equal(out[start + FADE : on * BLOCK], x[start + FADE : on * BLOCK])  # dry, exactly
    back = on * BLOCK + FADE
    np.testing.assert_allclose(out[back:], wet[back:], atol=1e-6)  # the model kept up while bypassed

    step_bound = max(np.abs(np.diff(x)).max(), np.abs(np.diff(wet)).max()) + np.abs(wet - x).max() / FADE
    assert np.abs(np.diff(out)).max() <= step_bound + 1e-6
