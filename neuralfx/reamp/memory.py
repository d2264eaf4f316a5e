"""How far back an effect's output reaches into its input: how long a pre-roll lets a segment of a
file, rendered on its own from the effect's rest state, join into the single stream's output.

A segment starts `Preroll.frames` before its first kept frame and drops what it rendered over the
pre-roll. Its output equals the single stream's:
- exactly, when the effect's memory is bounded: neural pedals whose model has a receptive field
  (their memory at the host rate, resampling included), memoryless native plugins (Gain,
  Clipping...), and chains of them (effects in series remember the sum of their memories);
- within a tolerance, when given, for effects whose memory fades but never ends (a recurrent
  model, filters, dynamics, reverbs, delays): the pre-roll is measured (`settle_frames`);
- never, for effects that change with time (an LFO: Chorus, Phaser) or that neuralfx cannot see
  into (VST3 and AU plugins, other Python effects): their files render whole.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pedalboard

from ..chain import Chain
from ..pedal import NeuralPedal
from .render import CHUNK_FRAMES

MEMORYLESS = (pedalboard.Gain, pedalboard.Clipping, pedalboard.Distortion, pedalboard.Invert, pedalboard.Bitcrush)
"""Native plugins whose every output sample depends on its input sample alone."""

FADING = (
    pedalboard.Compressor,
    pedalboard.Limiter,
    pedalboard.NoiseGate,
    pedalboard.HighpassFilter,
    pedalboard.LowpassFilter,
    pedalboard.IIRFilter,  # the shelf and peak filters
    pedalboard.LadderFilter,
    pedalboard.Reverb,
    pedalboard.Delay,
    pedalboard.Convolution,
)
"""Native plugins that do not change with time, and whose memory fades but never ends exactly."""

BURST_S = 2.0
"""Length of the full-scale noise that `settle_frames` plays, long enough to charge reverbs and
compressors."""

QUIET_DBFS = (-20.0, -40.0, -60.0)
QUIET_STEP_S = 0.05
"""The noise that follows the burst steps through these levels, QUIET_STEP_S each: above and below
the thresholds of usual gates and compressors, so their state shows."""

SETTLE_LIMIT_S = 60.0
"""An effect whose burst lasts longer than this renders whole."""


@dataclass(frozen=True)
class Preroll:
    """What each segment of a file renders before its first kept frame.

    Attributes:
        frames: the pre-roll, a multiple of `grid`; None when the effect cannot be split.
        grid: segments start on multiples of this many frames (see `preroll`).
        exact: whether the joined segments equal the single stream (else: within the tolerance).
        reason: why the effect renders whole (frames None), or how a measured pre-roll was found.
    """

    frames: int | None
    grid: int = 1
    exact: bool = True
    reason: str = ""


def preroll(load: Callable[[], Any], sample_rate: int, channels: int, tolerance: float | None = None) -> Preroll:
    """The pre-roll that joins the segments of effects made by `load` at `sample_rate` with
    `channels`: exactly, or within `tolerance` (full scale 1.0) for effects whose memory never ends.

    Segments start on a grid. The render feeds an effect blocks of CHUNK_FRAMES from the file's
    start; a pre-roll that starts on that grid feeds the segment's effect exactly the single
    stream's calls, so the join is bit-identical. A neural pedal that resamples to its model's rate
    keeps its resamplers' phase only on multiples of their period (147 frames between 44.1 and
    48 kHz), which rarely divides the block: then segments start on that period, and the join
    differs from the single stream by the float rounding of the engine's block edges.
    """
    effect = load()
    effect.process(np.zeros((channels, 1), np.float32), sample_rate, reset=True)  # streams made: memories known
    memory, period, fading, echo_s = 0, 1, [], 0.0
    for item in effect if isinstance(effect, Chain) else [effect]:
        if isinstance(item, NeuralPedal):
            period = math.lcm(period, sample_rate // math.gcd(sample_rate, item.sample_rate))
            if item.preset.model.memory_samples is None:
                fading.append(f"{item.preset.name} (recurrent)")
            else:
                memory += item.memory_samples
        elif isinstance(item, FADING):
            fading.append(type(item).__name__)
            echo_s += item.delay_seconds if isinstance(item, pedalboard.Delay) else 0.0
        elif not isinstance(item, MEMORYLESS):
            name = getattr(item, "name", None) or type(item).__name__
            return Preroll(None, reason=f"{name} may change with time or hide its memory")
    grid = CHUNK_FRAMES if CHUNK_FRAMES % period == 0 else period
    if not fading:
        return Preroll(_on_grid(memory, grid), grid)
    names = ", ".join(fading)
    if tolerance is None:
        return Preroll(None, reason=f"the memory of {names} never ends exactly (--tolerance splits it)")
    settle = settle_frames((effect, load()), sample_rate, channels, tolerance, round(echo_s * sample_rate))
    if settle is None:
        return Preroll(None, reason=f"{names} did not settle within {tolerance:g} in {SETTLE_LIMIT_S:g} s")
    return Preroll(
        _on_grid(max(2 * settle, memory), grid),
        grid,
        exact=False,
        reason=f"twice the {settle / sample_rate:.2f} s in which a full-scale burst's trace fell within {tolerance:g}",
    )


def settle_frames(
    effects: tuple[Any, Any],
    sample_rate: int,
    channels: int,
    tolerance: float,
    echo_frames: int = 0,
    limit_s: float = SETTLE_LIMIT_S,
) -> int | None:
    """Frames after which a loud burst's trace in an effect's output stays within `tolerance`, or
    None when it lasts beyond `limit_s`.

    Two instances of the effect start at rest; one hears BURST_S of full-scale noise, the other as
    much silence. Then both hear the same quiet noise (stepping through QUIET_DBFS), which shows a
    state that silence would hide (a compressor's gain, a gate's opening). The result T is the last
    frame at which their outputs differ by more than `tolerance`, watched for as long again (and at
    least `echo_frames`: a delay's first echo), so that echoes and ringing that come back within T
    are seen. A pre-roll of 2T covers a state that differs from the single stream's by up to
    peak/tolerance times the burst's, for the exponential decays of filters, envelopes and reverbs.
    """
    burst, rested = effects
    rng = np.random.default_rng(0)
    loud = rng.uniform(-1.0, 1.0, (channels, round(BURST_S * sample_rate))).astype(np.float32)
    for start in range(0, loud.shape[1], CHUNK_FRAMES):  # the same calls for both: resamplers keep in phase
        block = loud[:, start : start + CHUNK_FRAMES]
        burst.process(block, sample_rate, reset=start == 0)
        rested.process(np.zeros_like(block), sample_rate, reset=start == 0)
    step = round(QUIET_STEP_S * sample_rate)
    gains = np.repeat(10 ** (np.array(QUIET_DBFS) / 20), step).astype(np.float32)
    loud_until = heard = 0
    while heard < limit_s * sample_rate:
        gain = np.resize(np.roll(gains, -(heard % gains.size)), CHUNK_FRAMES)
        quiet = rng.standard_normal((channels, CHUNK_FRAMES)).astype(np.float32) * gain
        differ = np.abs(
            burst.process(quiet, sample_rate, reset=False) - rested.process(quiet, sample_rate, reset=False)
        )
        above = np.flatnonzero(differ.max(axis=0) > tolerance)
        if above.size:
            loud_until = heard + int(above[-1]) + 1
        heard += CHUNK_FRAMES
        if heard >= max(2 * loud_until, echo_frames + CHUNK_FRAMES):
            return loud_until
    return None


def _on_grid(frames: int, grid: int) -> int:
    return -(-frames // grid) * grid
