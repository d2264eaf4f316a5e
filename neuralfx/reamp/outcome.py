"""One file's fate in a reamp (planned, done, skipped, failed), and the summary of them all."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from ..console import print_table, printable
from .render import RenderResult


@dataclass
class Outcome:
    """One file: planned, then filled in from its render. Also a row of the summary and report."""

    input: str  # as shown: relative to IN_DIR for batch
    output: str | None
    status: str  # "todo", "done", "skipped", "failed"
    error: str | None = None
    seconds: float = 0.0  # the input's duration
    sample_rate: int | None = None  # this and the rest: the output's
    channels: int | None = None
    format: str | None = None
    subtype: str | None = None
    frames: int | None = None
    latency_samples: int | None = None
    clipped_samples: int = 0
    non_finite_samples: int = 0  # NaN/Inf samples of the input, replaced by silence
    loudness_lufs: float | None = None
    gain_db: float | None = None
    elapsed_s: float | None = None
    segments: int | None = None  # split across workers into this many segments; None: whole
    split: str | None = None  # how its segments joined, or why a file long enough to split was not
    source: str = field(default="", repr=False)  # the input's full path
    marker: str = field(default="", repr=False)

    def record(self, result: RenderResult, elapsed_s: float) -> None:
        self.status = "done"
        self.seconds = result.input_frames / result.input_sample_rate
        self.sample_rate = result.output.sample_rate
        self.channels = result.output.channels
        self.format = result.output.format
        self.subtype = result.output.subtype
        self.frames = result.output_frames
        self.latency_samples = result.latency_samples
        self.clipped_samples = result.clipped_samples
        self.non_finite_samples = result.non_finite_samples
        self.loudness_lufs = result.loudness_lufs
        self.gain_db = result.gain_db
        self.elapsed_s = elapsed_s

    def describe(self) -> str:
        if self.error:
            return self.error
        if self.status != "done":
            text = str(self.output)
        else:
            text = f"{self.sample_rate} Hz, {self.channels} ch, {self.format} {self.subtype}"
            if self.clipped_samples:
                text += f", {self.clipped_samples} samples clipped"
            if self.non_finite_samples:
                text += f", {self.non_finite_samples} NaN/Inf input samples silenced"
            if self.gain_db is not None:
                text += f", {self.loudness_lufs:.1f} LUFS, gain {self.gain_db:+.1f} dB"
        if self.segments:
            text += f", in {self.segments} segments"
        return text

    def report_row(self) -> dict:
        row = asdict(self)
        del row["source"], row["marker"]
        for key in ("loudness_lufs", "gain_db"):  # JSON has no -inf (a silent output)
            if row[key] is not None and not math.isfinite(row[key]):
                row[key] = None
        return row


def totals(plan: list[Outcome], elapsed_s: float) -> dict:
    done = [o for o in plan if o.status == "done"]
    audio_s = sum(o.seconds for o in done)
    return {
        "done": len(done),
        "skipped": sum(o.status == "skipped" for o in plan),
        "failed": sum(o.status == "failed" for o in plan),
        "not_done": sum(o.status == "todo" for o in plan),
        "audio_seconds": audio_s,
        "elapsed_s": elapsed_s,
        "realtime_factor": audio_s / elapsed_s if elapsed_s > 0 else None,
        "clipped_samples": sum(o.clipped_samples for o in done),
        "non_finite_samples": sum(o.non_finite_samples for o in done),
    }


def print_summary(plan: list[Outcome], elapsed_s: float | None) -> None:
    """The table of every file on stdout; `elapsed_s` None means a dry run."""
    names = {"todo": "would render" if elapsed_s is None else "not done"}
    rows = [("STATUS", "FILE", "AUDIO", "OUTPUT")]
    rows += [(names.get(o.status, o.status), o.input, f"{o.seconds:.1f} s", o.describe()) for o in plan]
    print_table(rows)
    whole = [o for o in plan if o.split and not o.segments and o.status in ("todo", "done")]
    for reason in dict.fromkeys(o.split for o in whole):  # each reason once, in order
        count = sum(o.split == reason for o in whole)
        # A reason names a preset or a plugin file: escaped like the table's names
        print(printable(f"{count} long file{'s' if count > 1 else ''} not split across workers: {reason}"))
    if elapsed_s is None:
        return
    summed = totals(plan, elapsed_s)
    line = f"{summed['done']} done, {summed['skipped']} skipped, {summed['failed']} failed"
    if summed["not_done"]:
        line += f", {summed['not_done']} not done"
    line += f"; {summed['audio_seconds']:.1f} s of audio in {elapsed_s:.1f} s"
    if summed["realtime_factor"]:
        line += f" ({summed['realtime_factor']:.1f}× real time)"
    if summed["clipped_samples"]:
        line += f"; {summed['clipped_samples']} samples clipped to ±1.0 (integer subtypes)"
    if summed["non_finite_samples"]:
        line += f"; {summed['non_finite_samples']} NaN/Inf input samples replaced by silence"
    print(line)
