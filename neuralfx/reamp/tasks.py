"""A batch's work as tasks that any worker runs, a process of the built-in pool (pool.py) or a Dask
worker (dask_runner.py): a whole file, a segment of a long file, or the join of its segments.

A FileJob follows one file through its tasks and fills in its Outcome; `render_all` runs every
file's tasks on an executor, longest first, joins first.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

import soundfile as sf

from ..fileio import temporary_beside
from .options import explain
from .outcome import Outcome
from .progress import Progress
from .render import RenderResult, RenderSettings, output_spec, render_file
from .segments import Segment, Split, join_segments, render_segment

OnProgress = Callable[[float], None] | None


@dataclass(frozen=True)
class RenderWhole:
    """A file rendered in one piece."""

    input: str
    output: str
    marker: str
    seconds: float  # of audio: the longest tasks go first

    @property
    def priority(self) -> float:
        return self.seconds

    def run(self, effect: Any, settings: RenderSettings, progress: OnProgress = None) -> RenderResult:
        Path(self.output).parent.mkdir(parents=True, exist_ok=True)
        return render_file(effect, self.input, self.output, settings, marker=self.marker, progress=progress)


@dataclass(frozen=True)
class Part:
    """A rendered segment: its scratch file and frames, the latency its effect compensated, and the
    NaN/Inf samples of its input frames replaced by silence."""

    scratch: str
    frames: int
    latency_samples: int
    non_finite_samples: int


@dataclass(frozen=True)
class RenderSegment:
    """A segment of a long file, rendered into a scratch file beside the file's output."""

    input: str
    output: str
    segment: Segment
    seconds: float

    @property
    def priority(self) -> float:
        return self.seconds

    def run(self, effect: Any, settings: RenderSettings, progress: OnProgress = None) -> Part:
        Path(self.output).parent.mkdir(parents=True, exist_ok=True)
        scratch = temporary_beside(Path(self.output), ".w64")
        try:
            frames, non_finite = render_segment(effect, self.input, self.segment, settings, scratch, progress)
        except BaseException:  # SIGTERM included: nothing partial stays behind
            scratch.unlink(missing_ok=True)
            raise
        return Part(str(scratch), frames, int(getattr(effect, "latency_samples", 0)), non_finite)


@dataclass(frozen=True)
class JoinSegments:
    """A long file's segments joined into its output (the FileJob deletes their scratch files)."""

    input: str
    output: str
    marker: str
    parts: tuple[Part, ...]
    priority: ClassVar[float] = math.inf  # first: it finishes a file and frees its scratch space
    seconds: ClassVar[float] = 0.0

    def run(self, effect: Any, settings: RenderSettings, progress: OnProgress = None) -> RenderResult:
        info = sf.info(self.input)
        spec = output_spec(info, settings)
        scratches = [part.scratch for part in self.parts]
        frames, clipped, loudness, gain_db = join_segments(
            scratches, Path(self.output), spec, self.marker, settings.normalize_lufs
        )
        return RenderResult(
            input_frames=info.frames,
            input_sample_rate=info.samplerate,
            output=spec,
            output_frames=frames,
            latency_samples=self.parts[0].latency_samples,
            clipped_samples=clipped,
            loudness_lufs=loudness,
            gain_db=gain_db,
            non_finite_samples=sum(part.non_finite_samples for part in self.parts),
        )


Task = RenderWhole | RenderSegment | JoinSegments


def run_task(task: Task, effect: Any, settings: RenderSettings, progress: OnProgress = None) -> tuple[str, Any, float]:
    """Run `task` with this worker's `effect`: ("done", its result, seconds) or, since one bad
    file must not stop the batch, ("failed", the reason, seconds) instead of raising."""
    started = time.perf_counter()
    try:
        result = task.run(effect, settings, progress)
    except Exception as exc:
        return "failed", explain(Path(task.input), exc), time.perf_counter() - started
    return "done", result, time.perf_counter() - started


class Executor(Protocol):
    """Runs tasks on workers: the built-in pool (pool.WorkerPool) or a Dask cluster."""

    def submit(self, key: Hashable, task: Task) -> None:
        """Queue `task`; its events will carry `key`."""

    def events(self) -> Iterator[tuple[Hashable, str, Any, float | None]]:
        """(key, "progress", seconds done, None), then (key, "done" or "failed", result or reason,
        seconds taken) once per task, until no task is queued or running."""


class FileJob:
    """One file's way through its tasks, whole or split (its segments, then their join); fills in
    its Outcome and deletes the segments' scratch files when the file is over."""

    def __init__(self, outcome: Outcome, split: Split) -> None:
        self.outcome = outcome
        self._split = split
        self._parts: dict[Segment, Part] = {}
        self._done_s: dict[Task, float] = {}
        self._elapsed = 0.0
        outcome.segments = len(split.segments) or None
        outcome.split = split.note or None

    @property
    def settled(self) -> bool:
        return self.outcome.status != "todo"

    def tasks(self) -> list[Task]:
        """The tasks to start with."""
        o = self.outcome
        if not self._split.segments:
            return [RenderWhole(o.source, o.output, o.marker, o.seconds)]
        rate = self._split.sample_rate
        return [
            RenderSegment(o.source, o.output, s, (o.seconds if s.stop is None else s.stop / rate) - s.start / rate)
            for s in self._split.segments
        ]

    def advance(self, task: Task, seconds: float) -> float:
        """Record a task's progress; returns the seconds of the file done."""
        self._done_s[task] = min(seconds, task.seconds)
        return sum(self._done_s.values())

    def finish(self, task: Task, status: str, payload: Any, elapsed: float | None) -> list[Task]:
        """Record a task's end; returns the tasks it makes ready (the join, after the last segment)."""
        self._elapsed += elapsed or 0.0
        if status == "failed":
            if not self.settled:
                self.outcome.status, self.outcome.error = "failed", payload
        elif isinstance(payload, Part):
            self._parts[task.segment] = payload
            if not self.settled and len(self._parts) == len(self._split.segments):
                parts = tuple(self._parts[segment] for segment in self._split.segments)
                return [JoinSegments(self.outcome.source, self.outcome.output, self.outcome.marker, parts)]
        else:
            self.outcome.record(payload, self._elapsed)  # worker seconds, over all its tasks
        if self.settled:
            self.discard_parts()
        return []

    def discard_parts(self) -> None:
        for part in self._parts.values():
            Path(part.scratch).unlink(missing_ok=True)
        self._parts.clear()


def render_all(jobs: list[FileJob], executor: Executor) -> None:
    """Run every job's tasks on `executor`, filling in their Outcomes; progress goes to stderr."""
    if not jobs:
        return
    progress = Progress([job.outcome for job in jobs], sys.stderr)
    try:
        first = [(index, task) for index, job in enumerate(jobs) for task in job.tasks()]
        for index, task in sorted(first, key=lambda pair: -pair[1].priority):  # a cluster starts them as they come
            executor.submit((index, task), task)
        for (index, task), status, payload, elapsed in executor.events():
            job = jobs[index]
            if status == "progress":
                if not job.settled:
                    progress.advance(index, job.advance(task, payload))
                continue
            settled = job.settled
            for follow in job.finish(task, status, payload, elapsed):
                executor.submit((index, follow), follow)
            if job.settled and not settled:
                progress.finish(index)
    finally:
        progress.close()
        for job in jobs:  # interrupted: finished segments of unfinished files
            job.discard_parts()
