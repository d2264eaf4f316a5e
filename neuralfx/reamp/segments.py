"""Long files cut into segments that render apart, on as many workers, and join into the single
stream's output (memory.py says how long a pre-roll each needs, and when none will do).

Each segment writes its frames to a float scratch file beside the output; the join reads them in
order into the output, written atomically (and normalised over the whole joined output), as
`render_file` writes a file rendered in one piece.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from ..audio import silence_non_finite
from .memory import Preroll, preroll
from .options import EffectSource
from .render import (
    CHUNK_FRAMES,
    OutputSpec,
    RenderSettings,
    finite_output,
    read_blocks,
    render_aligned,
    write_blocks,
    write_output,
)

DEFAULT_SEGMENT_S = 120.0


@dataclass(frozen=True)
class Segment:
    """Output frames [start, stop) of a file, rendered from input frame `read_from` on (the frames
    before `start` are its pre-roll, dropped). `stop` None: to the end, the tail included."""

    start: int
    stop: int | None
    read_from: int


@dataclass(frozen=True)
class Split:
    """How a file renders: in `segments` (at `sample_rate`), or whole (none). `note` says why a
    file long enough to split renders whole, or how its segments join."""

    segments: tuple[Segment, ...] = ()
    note: str = ""
    sample_rate: int = 0


class Splitter:
    """Where each file of a batch splits, for segments of about `segment_s` seconds.

    Args:
        source: the effect (measuring a pre-roll loads and plays it; a chain with native plugins
            renders whole).
        settings: the render settings (a file resampled by them renders whole).
        tolerance: the difference from the single stream allowed for effects whose memory never
            ends; None renders those whole.
    """

    def __init__(
        self,
        source: EffectSource,
        settings: RenderSettings,
        segment_s: float = DEFAULT_SEGMENT_S,
        tolerance: float | None = None,
    ) -> None:
        self._source = source
        self._settings = settings
        self._segment_s = segment_s
        self._tolerance = tolerance
        self._prerolls: dict[tuple[int, int], Preroll] = {}  # by (rate, channels): measuring may take seconds

    def split(self, path: str | Path) -> Split:
        """How the file at `path` renders."""
        info = sf.info(str(path))
        rate, frames = info.samplerate, info.frames
        if round(frames / (self._segment_s * rate)) < 2:
            return Split()
        if self._settings.sample_rate not in (None, rate):
            return Split(note="--sample-rate resamples it first")
        if self._source.plugins:  # never loaded to find out: a dry run runs no plugin code
            plugin = Path(self._source.plugins[0]).name
            return Split(note=f"the native plugin {plugin} may change with time or hide its memory")
        key = (rate, info.channels)
        if key not in self._prerolls:
            self._prerolls[key] = preroll(self._source.load, rate, info.channels, self._tolerance)
        pre = self._prerolls[key]
        if pre.frames is None:
            return Split(note=pre.reason)
        segments = plan_segments(frames, round(self._segment_s * rate), pre)
        if not segments:
            why = f" ({pre.reason})" if pre.reason else ""
            return Split(note=f"a pre-roll of {pre.frames / rate:.1f} s{why} leaves fewer than two segments")
        if not pre.exact:
            how = f"joined within {self._tolerance:g} ({pre.reason})"
        elif pre.grid % CHUNK_FRAMES == 0:
            how = "joined bit-identically"
        else:
            how = f"joined exactly to float rounding (resampled: segments start on a {pre.grid}-frame period)"
        return Split(segments, f"{len(segments)} segments, {pre.frames / rate:.2f} s of pre-roll each, {how}", rate)


def plan_segments(frames: int, segment_frames: int, preroll: Preroll) -> tuple[Segment, ...]:
    """Cut `frames` into about equal segments of about `segment_frames`, starting on `preroll.grid`,
    each at least a pre-roll and a grid step long (so a pre-roll at most doubles a segment's work);
    none when that leaves fewer than two."""
    grid = preroll.grid
    length = max(segment_frames, preroll.frames, grid)
    count = round(frames / length)
    starts = sorted({round(k * frames / count / grid) * grid for k in range(count)}) if count >= 2 else []
    if len(starts) < 2:
        return ()
    stops = [*starts[1:], None]
    return tuple(Segment(a, b, max(a - preroll.frames, 0)) for a, b in zip(starts, stops, strict=True))


def render_segment(
    effect: Any,
    input_path: str | Path,
    segment: Segment,
    settings: RenderSettings,
    scratch: Path,
    progress: Callable[[float], None] | None = None,
) -> tuple[int, int]:
    """Render `segment` of the input through `effect` into `scratch` (float W64). Returns (its
    frames, the NaN/Inf samples of its own input frames that were replaced by silence).

    The effect renders from `segment.read_from` as the single stream does from the file's start
    (the same blocks, NaN and Inf silenced alike, the same tail), and the frames before
    `segment.start` are dropped.
    Raises ValueError when the file ends before its header said it would, NonFiniteOutput when the
    effect produces NaN or Inf.
    """
    with sf.SoundFile(str(input_path)) as source:
        rate, channels = source.samplerate, source.channels
        source.seek(segment.read_from)
        reader = _SegmentReader(source, segment)
        rendered = render_aligned(effect, reader, rate, channels, round(settings.tail_s * rate))
        stop = None if segment.stop is None else segment.stop - segment.read_from
        # Checked for NaN/Inf to the segment's end, its pre-roll included; then the pre-roll is dropped.
        checked = finite_output(_frames(rendered, 0, stop), effect)
        kept = _frames(checked, segment.start - segment.read_from, None)
        spec = OutputSpec("W64", "FLOAT", rate, channels)
        frames, _ = write_blocks(_reporting(kept, rate, progress), scratch, spec, "")
    if segment.stop is not None and frames != segment.stop - segment.start:
        raise ValueError(f"the file ended at frame {segment.start + frames}, before its header said it would")
    return frames, reader.non_finite_samples


class _SegmentReader:
    """The input's blocks from `segment.read_from` on, NaN and Inf replaced by silence as the single
    stream's are; counts those of the segment's own frames [start, stop) only, so that the counts
    of a file's segments, whose pre-rolls overlap, sum to the whole file's."""

    def __init__(self, source: sf.SoundFile, segment: Segment) -> None:
        self._source, self._segment = source, segment
        self.non_finite_samples = 0

    def __iter__(self) -> Iterator[np.ndarray]:
        start, stop = self._segment.start, self._segment.stop
        position = self._segment.read_from
        for block in read_blocks(self._source):
            n = block.shape[1]
            own = block[:, max(start - position, 0) : n if stop is None else max(stop - position, 0)]
            self.non_finite_samples += silence_non_finite(own)  # a view: silenced in `block`
            silence_non_finite(block)
            position += n
            yield block


def join_segments(
    scratches: Iterable[str | Path], output_path: Path, spec: OutputSpec, marker: str, normalize_lufs: float | None
) -> tuple[int, int, float | None, float | None]:
    """Write the segments' scratch files, in order, as the output (see `write_output`)."""

    def joined() -> Iterator[np.ndarray]:
        for scratch in scratches:
            with sf.SoundFile(str(scratch)) as part:
                yield from read_blocks(part)

    return write_output(joined(), output_path, spec, marker, normalize_lufs)


def _frames(blocks: Iterable[np.ndarray], start: int, stop: int | None) -> Iterator[np.ndarray]:
    """Frames [start, stop) of a stream of (channels, n) blocks (stop None: to its end); pulls no
    block after `stop`."""
    position = 0
    for block in blocks:
        n = block.shape[1]
        low, high = max(start - position, 0), n if stop is None else min(stop - position, n)
        if high > low:
            yield block[:, low:high]
        position += n
        if stop is not None and position >= stop:
            return


def _reporting(
    blocks: Iterable[np.ndarray], rate: int, progress: Callable[[float], None] | None
) -> Iterator[np.ndarray]:
    """`blocks`, calling `progress` with the seconds passed on so far after each."""
    done = 0
    for block in blocks:
        yield block
        done += block.shape[1]
        if progress:
            progress(done / rate)
