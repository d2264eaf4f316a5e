"""Program swaps: the new program is built in spare time, hears the input, then crossfades in."""

import numpy as np
from live_helpers import guitar_like, run_signal_path, tiny_chain

from neuralfx.engine.program import LiveProgram
from neuralfx.engine.signal_path import SignalPath

RATE, BLOCK, FADE_MS = 48000, 128, 10
FADE = RATE * FADE_MS // 1000


def first_index(mask):
    return int(np.argmax(mask)) if mask.any() else None


def test_swap_crossfades_linearly_into_a_program_that_sounds_as_if_it_had_always_played():
    x = guitar_like(1.0)
    a, b = tiny_chain()(x, RATE), tiny_chain(mix=0.5, input_gain_db=6.0)(x, RATE)
    signal_path = SignalPath(RATE, crossfade_ms=FADE_MS)
    signal_path.load(LiveProgram(tiny_chain(), "A"))
    swap_block = 150
    out = run_signal_path(
        signal_path,
        x,
        BLOCK,
        {swap_block: lambda: signal_path.load(LiveProgram(tiny_chain(mix=0.5, input_gain_db=6.0), "B"))},
    )
    assert signal_path.program.name == "B" and not signal_path.loading

    start = swap_block * BLOCK + first_index(np.abs(out - a)[swap_block * BLOCK :] > 1e-6)
    np.testing.assert_allclose(out[swap_block * BLOCK - 2000 : start], a[swap_block * BLOCK - 2000 : start], atol=1e-6)
    assert swap_block * BLOCK <= start < swap_block * BLOCK + 0.05 * RATE  # built and listened within 50 ms
    end = start + FADE - 1
    np.testing.assert_allclose(out[end:], b[end:], atol=1e-6)  # exactly B(x) once the fade is over

    fade = slice(start, end)
    gain = (out[fade] - a[fade]) / (b[fade] - a[fade])
    expected = np.arange(1, FADE) / FADE
    informative = np.abs(b[fade] - a[fade]) > 0.05
    np.testing.assert_allclose(gain[informative], expected[informative], atol=1e-3)

    # No sample step beyond what the two programs do, plus the fade's own slope.
    around = slice(start - 1, end + 1)
    allowed = max(np.abs(np.diff(a[around])).max(), np.abs(np.diff(b[around])).max())
    assert np.abs(np.diff(out[around])).max() <= allowed + np.abs(b - a)[around].max() / FADE + 1e-6


def test_rapid_loads_end_on_the_last_one():
    x = guitar_like(0.5)
    signal_path = SignalPath(RATE, crossfade_ms=FADE_MS)

    def three_loads():
        for name, mix in (("first", 1.0), ("second", 0.2), ("third", 0.6)):
            signal_path.load(LiveProgram(tiny_chain(mix=mix), name))

    out = run_signal_path(signal_path, x, BLOCK, {0: three_loads})
    assert signal_path.program.name == "third"
    assert not signal_path.loading and signal_path.loads_requested == signal_path.loads_resolved == 3
    np.testing.assert_allclose(out[-RATE // 10 :], tiny_chain(mix=0.6)(x, RATE)[-RATE // 10 :], atol=1e-6)


def test_a_load_during_a_fade_waits_for_it():
    x = guitar_like(0.5)
    signal_path = SignalPath(RATE, crossfade_ms=FADE_MS)
    signal_path.load(LiveProgram(tiny_chain(), "A"))
    loads = {}

    def load_when_fading():
        if signal_path._swap is not None and signal_path._swap.phase == "fade" and not loads:
            loads["at"] = True
            signal_path.load(LiveProgram(tiny_chain(mix=0.3), "B"))

    out = run_signal_path(signal_path, x, BLOCK, {i: load_when_fading for i in range(len(x) // BLOCK)})
    assert loads and signal_path.program.name == "B" and not signal_path.loading
    np.testing.assert_allclose(out[-RATE // 10 :], tiny_chain(mix=0.3)(x, RATE)[-RATE // 10 :], atol=1e-6)
