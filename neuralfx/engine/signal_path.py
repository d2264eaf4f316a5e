"""The audio callback's work, free of any audio API: a mono block in, a safe mono block out.

    input → input gain → program → bypass crossfade → output level → NaN/Inf to silence → clip at ±1.0 → output

Other threads never touch the audio state: they queue requests, which the callback applies at
the start of its next block. Loading a program is a swap in four phases, all in the callback
(only the construction of each model, one 2 ms step, is left to the engine's main thread):
1. build: the new program is prepared in slices, in the spare time after each block;
2. listen: it processes the live input beside the old one, unheard, until it has heard its
   neural pedals' memory (receptive fields in series), after which they sound exactly as if they
   had been playing all along (native plugins with long tails, like reverb, still start afresh);
3. fade: a linear crossfade from the old program to the new one;
4. the old program is dropped, again in spare time (in a later block than the fade's last).
Spare-time work only starts when the last step's duration still fits before the deadline.
Crossfades (bypass and swaps) are linear, equal-gain: the two signals are the same guitar
through related effects, strongly correlated, and for correlated signals equal gain keeps the
level steady where an equal-power fade would bulge by up to 3 dB in the middle.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..audio import blend_into, db_to_gain, silence_non_finite
from ..glide import Glide
from .program import LiveProgram

LEVEL_GLIDE_MS = 20.0
"""Input gain and output level changes glide over this long (no zipper noise, no click)."""


@dataclass
class _Swap:
    program: LiveProgram
    steps: Iterator[None] | None = None
    phase: str = "build"  # build → listen → fade
    remaining: int = 0


class SignalPath:
    """Everything the audio callback does between reading its input and writing its output.

    Args:
        sample_rate: the stream's rate in Hz.
        crossfade_ms: bypass and program-swap crossfade time.
        capacity: largest block expected (larger blocks grow the buffers once).
    """

    def __init__(self, sample_rate: int, crossfade_ms: float = 20.0, capacity: int = 4096) -> None:
        self.sample_rate = sample_rate
        crossfade = round(crossfade_ms * 1e-3 * sample_rate)
        self.program = LiveProgram().build(sample_rate, 256)
        self._swap: _Swap | None = None
        self._pending: LiveProgram | None = None
        self._retired: deque[LiveProgram] = deque()
        self._requests: deque[Callable[[], None]] = deque()
        self._engaged = Glide(1.0, crossfade)
        glide = round(LEVEL_GLIDE_MS * 1e-3 * sample_rate)
        self._input_gain = Glide(1.0, glide)
        self._output_gain = Glide(1.0, glide)
        self._fade = Glide(0.0, crossfade)
        self._other = np.zeros(capacity, np.float32)
        self.errors: deque[str] = deque(maxlen=16)
        self._step_cost = 0.0  # how long the last build step took (s): the next one is assumed as long
        self.loads_requested = 0  # written by the requesting thread only
        self.loads_resolved = 0  # written by the audio thread only: installed, superseded or failed
        self.non_finite_blocks = 0
        self.clipped_samples = 0

    # --- requests: from any thread --------------------------------------------------------------
    def load(self, program: LiveProgram) -> None:
        """Swap to `program` (not yet built: the callback builds it in its spare time)."""
        self.loads_requested += 1
        self._requests.append(lambda: self._begin(program))

    def set_bypass(self, bypassed: bool) -> None:
        self._requests.append(lambda: self._engaged.set_target(0.0 if bypassed else 1.0))

    def set_levels(self, input_gain_db: float, output_gain_db: float) -> None:
        """The engine's input gain and output level in dB (glide over LEVEL_GLIDE_MS)."""
        into, out = db_to_gain(input_gain_db), db_to_gain(output_gain_db)
        self._requests.append(lambda: (self._input_gain.set_target(into), self._output_gain.set_target(out)))

    def set_parameter(self, index: int, name: str, value: Any) -> None:
        """Apply a change, checked with `LiveProgram.check_parameter`, to the newest program
        (the one loaded last, even if it is still being swapped in)."""
        self._requests.append(lambda: self._newest().set_parameter(index, name, value))

    def _newest(self) -> LiveProgram:
        if self._pending is not None:
            return self._pending
        return self._swap.program if self._swap is not None else self.program

    @property
    def loading(self) -> bool:
        """Whether a requested program is still being built or faded in."""
        return self.loads_requested != self.loads_resolved

    @property
    def engaged(self) -> bool:
        return self._engaged.target == 1.0

    @property
    def latency_samples(self) -> int:
        return self.program.latency_samples

    @property
    def non_finite_total(self) -> int:
        """Blocks with NaN/Inf silenced: at the input, inside neural pedals, or at the output."""
        return self.non_finite_blocks + self.program.non_finite_blocks

    # --- the audio thread -----------------------------------------------------------------------
    def process(self, x: np.ndarray, out: np.ndarray) -> None:
        """Process one block: x (n,) float32 (may be modified) into out (n,) float32."""
        while self._requests:
            request = self._requests.popleft()
            try:
                request()
            except Exception as exc:  # a bad request must never stop the audio
                self.errors.append(f"{type(exc).__name__}: {exc}")
        n = x.shape[0]
        if self._swap is not None and self._swap.steps is None:  # the first block size seen builds it
            self._swap.steps = self._swap.program.build_steps(self.sample_rate, n)
        if silence_non_finite(x):
            self.non_finite_blocks += 1
        x *= self._input_gain.next(n)
        self.program.process(x, out)
        if self._swap is not None and self._swap.phase != "build":
            self._advance_swap(x, out)
        blend_into(out, x, self._engaged.next(n))
        out *= self._output_gain.next(n)
        if silence_non_finite(out):
            self.non_finite_blocks += 1
        if max(out.max(), -out.min()) > 1.0:
            self.clipped_samples += int(np.count_nonzero(np.abs(out) > 1.0))
            np.clip(out, -1.0, 1.0, out=out)

    def spare_time(self, deadline: float) -> None:
        """Build the incoming program, or drop a retired one, as long as that ends before
        time.perf_counter() reaches `deadline`. Called by the callback after its output is written."""
        now = time.perf_counter()
        if now + self._step_cost >= deadline:
            self._step_cost /= 2  # a step that would overrun waits; a slow step's estimate fades
            return
        if self._retired:
            self._retired.popleft()  # the last reference: freed here (about 0.4 ms for 24 layers)
            return
        swap = self._swap
        if swap is None or swap.phase != "build":
            return
        while now + self._step_cost < deadline:
            try:
                next(swap.steps)
                self._step_cost, now = time.perf_counter() - now, time.perf_counter()
            except StopIteration:
                swap.phase, swap.remaining = "listen", swap.program.warmup_samples
                return
            except Exception as exc:
                self.errors.append(f"cannot load {swap.program.name!r}: {type(exc).__name__}: {exc}")
                self._swap = None
                self.loads_resolved += 1
                self._start_pending()
                return

    def _begin(self, program: LiveProgram) -> None:
        if self._swap is not None and self._swap.phase == "fade":
            if self._pending is not None:
                self.loads_resolved += 1  # superseded before it started
            self._pending = program  # the fade finishes first; the latest request wins
            return
        if self._swap is not None:
            self._retired.append(self._swap.program)  # never heard: abandon it
            self.loads_resolved += 1
        self._swap = _Swap(program)

    def _start_pending(self) -> None:
        if self._pending is not None:
            program, self._pending = self._pending, None
            self._begin(program)

    def _advance_swap(self, x: np.ndarray, out: np.ndarray) -> None:
        swap, n = self._swap, x.shape[0]
        if n > self._other.shape[0]:
            self._other = np.zeros(n, np.float32)
        other = self._other[:n]
        swap.program.process(x, other)
        if swap.phase == "listen":
            swap.remaining -= n
            if swap.remaining <= 0:
                swap.phase = "fade"
                self._fade.jump(0.0)
                self._fade.set_target(1.0)
            return
        other -= out  # out = out + fade · (other − out)
        other *= self._fade.next(n)
        out += other
        if not self._fade.gliding:
            self._retired.append(self.program)
            self.program, self._swap = swap.program, None
            self.loads_resolved += 1
            self._start_pending()
