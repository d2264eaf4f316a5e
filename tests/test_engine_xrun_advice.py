"""When xruns climb, the engine's users are told what to try: a larger period (JACK) or block size."""

from neuralfx.engine.advice import WINDOW_S, XrunAdvice
from neuralfx.engine.meters import Meters


def meters(xruns: int, load_max: float = 0.3) -> Meters:
    return Meters(xruns=xruns, block_frames=128, sample_rate=48000, cpu_load_max=load_max)


def test_advice_comes_once_when_xruns_climb():
    advice = XrunAdvice(jack=True)
    assert advice.check(meters(0), 0.0) is None
    assert advice.check(meters(1), 5.0) is None  # one xrun (a client joining the graph) is no trend
    text = advice.check(meters(4), 10.0)
    assert text.startswith("4 dropouts (xruns) in the last 30 s. Try a larger JACK period: 256 frames instead of 128")
    assert "jackd -p 256" in text and "grows by about 8.0 ms" in text and "lighter chain" not in text
    assert advice.check(meters(9), 12.0) is None  # said once: not again at every meter reading
    assert advice.check(meters(9), 12.0 + WINDOW_S) is None  # quiet for a window: nothing to say
    assert advice.check(meters(13, load_max=0.9), 13.0 + WINDOW_S) is not None  # climbing again


def test_without_jack_the_block_size_is_the_advice_and_a_heavy_chain_is_named():
    advice = XrunAdvice(jack=False)
    advice.check(meters(0), 0.0)
    text = advice.check(meters(5, load_max=0.85), 1.0)
    assert "Try a larger block size: 256 frames instead of 128 (--block-size, or the Audio tab)." in text
    assert "The slowest block took 85% of its time: a lighter chain helps too." in text
