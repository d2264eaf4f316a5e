"""What to tell a player whose audio drops out: advice when the xrun count climbs."""

from __future__ import annotations

from collections import deque

from .meters import Meters

WINDOW_S = 30.0
CLIMBING = 3
"""Xruns within WINDOW_S that call for advice (a single one, when a client joins a JACK graph, does not)."""


class XrunAdvice:
    """Follows the xrun count; `check` returns advice once per climb (at most once per WINDOW_S).

    Args:
        jack: the audio runs through JACK (its period, not the engine, sets the block size).
    """

    def __init__(self, jack: bool) -> None:
        self.jack = jack
        self._seen: deque[tuple[float, int]] = deque()  # (time, xruns) over the last WINDOW_S
        self._advised_at = float("-inf")

    def check(self, meters: Meters, now: float) -> str | None:
        """Advice text when the xruns climbed by CLIMBING or more within WINDOW_S, else None."""
        self._seen.append((now, meters.xruns))
        while self._seen[0][0] < now - WINDOW_S:
            self._seen.popleft()
        recent = meters.xruns - self._seen[0][1]
        if recent < CLIMBING or now - self._advised_at < WINDOW_S:
            return None
        self._advised_at = now
        return advice(meters, self.jack, recent)


def advice(meters: Meters, jack: bool, recent: int) -> str:
    """What to try against `recent` xruns in the last WINDOW_S."""
    block, rate = meters.block_frames, meters.sample_rate
    text = [f"{recent} dropouts (xruns) in the last {WINDOW_S:.0f} s."]
    if block and rate and jack:
        longer_ms = 1000 * 3 * block / rate  # capture one period, playback two: three periods more
        text.append(
            f"Try a larger JACK period: {2 * block} frames instead of {block} (jackd -p {2 * block}, or Frames/Period "
            f"in QjackCtl); the round trip grows by about {longer_ms:.1f} ms."
        )
    elif block:
        text.append(f"Try a larger block size: {2 * block} frames instead of {block} (--block-size, or the Audio tab).")
    if meters.cpu_load_max > 0.7:
        text.append(f"The slowest block took {meters.cpu_load_max:.0%} of its time: a lighter chain helps too.")
    text.append("Close busy programs, and give the audio real-time priority (the audio group; jackd -R).")
    return " ".join(text)
