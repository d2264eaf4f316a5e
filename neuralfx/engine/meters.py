"""Meters shared by the engine process (writer: the audio callback) and the controller (reader).

A few float64 values, two scope rings (the output, and the input for a tuner) and a histogram of
callback times live in shared memory. The callback publishes a whole snapshot under a sequence
counter (odd while writing), so a reader never sees half an update and never makes the callback
wait: there is no lock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SILENCE_DB = -120.0
"""Levels below this read as this (the meters' floor), so snapshots never hold -inf."""

SCOPE_SAMPLES = 8192

TIMING_BINS = 201
"""Callback times are counted in bins of 1 % of the block time, 0–200 %; the last bin holds the later ones."""

_FIELDS = (
    "sequence",
    "input_peak",
    "input_rms",
    "output_peak",
    "output_rms",
    "cpu_load",
    "cpu_load_max",
    "xruns",
    "callbacks",
    "block_frames",
    "input_latency_samples",
    "output_latency_samples",
    "engine_latency_samples",
    "sample_rate",
    "engaged",
    "non_finite",
    "clipped",
    "stream_time_s",
    "input_scope_end",  # these two last: publish() leaves them to the scope writers
    "scope_end",
)
_INDEX = {name: i for i, name in enumerate(_FIELDS)}


@dataclass(frozen=True)
class Meters:
    """One snapshot of the engine's meters.

    Levels are dBFS over the last meter window (about 50 ms), floored at SILENCE_DB. The input is
    measured as the device (or file) gives it, before the engine's input gain; the output after
    the output level and the 0 dBFS ceiling, so output_peak_db never exceeds 0.

    Attributes:
        cpu_load: mean callback time over the window, as a fraction of the block time
            (1.0 means the callback took as long as the audio it produced: an xrun).
        cpu_load_max: the slowest callback in the window, as a fraction of the block time.
        xruns: dropouts the audio system reported (JACK: any client's), since start.
        callbacks: callbacks since start.
        block_frames: frames per callback (with JACK: the server's period).
        latency_samples, latency_ms: the round trip, input + engine + output: what a note played
            into the input takes to come out. With JACK, from the ports' latency ranges (the
            whole path, through the sound card's buffers); else PortAudio's stream latencies.
        input_latency_samples, output_latency_samples: its input and output parts (input 0
            when a file plays).
        engine_latency_samples, engine_latency_ms: the engine's own part: the program's latency
            (0 for presets at the stream's rate; resampling adds a few samples).
        engaged: the effect is on (False while bypassed or fading to bypass).
        non_finite: blocks in which NaN or Inf was replaced by silence, since start.
        clipped: output samples the 0 dBFS ceiling clipped, since start.
        stream_time_s: audio time since the stream started.
    """

    input_peak_db: float = SILENCE_DB
    input_rms_db: float = SILENCE_DB
    output_peak_db: float = SILENCE_DB
    output_rms_db: float = SILENCE_DB
    cpu_load: float = 0.0
    cpu_load_max: float = 0.0
    xruns: int = 0
    callbacks: int = 0
    block_frames: int = 0
    latency_samples: int = 0
    latency_ms: float = 0.0
    input_latency_samples: int = 0
    output_latency_samples: int = 0
    engine_latency_samples: int = 0
    engine_latency_ms: float = 0.0
    sample_rate: int = 0
    engaged: bool = True
    non_finite: int = 0
    clipped: int = 0
    stream_time_s: float = 0.0


def level_db(linear: float) -> float:
    """A linear amplitude as dBFS, floored at SILENCE_DB."""
    return max(SILENCE_DB, 20.0 * math.log10(linear)) if linear > 0 else SILENCE_DB


class SharedMeters:
    """The shared-memory block. Create it in the controller with a multiprocessing context and
    pass it to the engine process as a Process argument."""

    def __init__(self, context) -> None:
        self._values_raw = context.RawArray("d", len(_FIELDS))
        self._scope_raw = context.RawArray("f", SCOPE_SAMPLES)
        self._input_scope_raw = context.RawArray("f", SCOPE_SAMPLES)
        self._timing_raw = context.RawArray("d", TIMING_BINS)
        self._attach()

    def __getstate__(self) -> dict:
        return {key: getattr(self, key) for key in ("_values_raw", "_scope_raw", "_input_scope_raw", "_timing_raw")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._attach()

    def _attach(self) -> None:
        self._values = np.frombuffer(self._values_raw, np.float64)
        self._scope = np.frombuffer(self._scope_raw, np.float32)
        self._input_scope = np.frombuffer(self._input_scope_raw, np.float32)
        self.timing_counts = np.frombuffer(self._timing_raw, np.float64)
        """Callbacks per time bin (see TIMING_BINS), since start: written by the callback only."""

    # --- the reader (controller) ------------------------------------------------------------
    def read(self) -> Meters:
        """The latest complete snapshot (a few retries at most if the writer is mid-update);
        the defaults until the engine first publishes."""
        values = self._values
        if values[0] == 0:
            return Meters()
        for _ in range(1000):
            sequence = values[0]
            snapshot = values.copy()
            if sequence % 2 == 0 and snapshot[0] == sequence and values[0] == sequence:
                break
        v = dict(zip(_FIELDS, snapshot.tolist(), strict=True))
        rate = int(v["sample_rate"])
        parts = [int(v[f"{part}_latency_samples"]) for part in ("input", "engine", "output")]
        latency = sum(parts)
        return Meters(
            input_peak_db=level_db(v["input_peak"]),
            input_rms_db=level_db(v["input_rms"]),
            output_peak_db=level_db(v["output_peak"]),
            output_rms_db=level_db(v["output_rms"]),
            cpu_load=v["cpu_load"],
            cpu_load_max=v["cpu_load_max"],
            xruns=int(v["xruns"]),
            callbacks=int(v["callbacks"]),
            block_frames=int(v["block_frames"]),
            latency_samples=latency,
            latency_ms=1000.0 * latency / rate if rate else 0.0,
            input_latency_samples=parts[0],
            output_latency_samples=parts[2],
            engine_latency_samples=parts[1],
            engine_latency_ms=1000.0 * parts[1] / rate if rate else 0.0,
            sample_rate=rate,
            engaged=bool(v["engaged"]),
            non_finite=int(v["non_finite"]),
            clipped=int(v["clipped"]),
            stream_time_s=v["stream_time_s"],
        )

    def timing(self) -> np.ndarray:
        """A copy of the callback-time histogram (TIMING_BINS counts); the difference of two
        copies covers the time between them (see `timing_percentiles`)."""
        return self.timing_counts.copy()

    def scope(self, samples: int = 2048) -> np.ndarray:
        """The latest `samples` output samples (≤ SCOPE_SAMPLES), oldest first, float32."""
        return self._read(self._scope, "scope_end", samples)

    def input_scope(self, samples: int = 2048) -> np.ndarray:
        """The latest `samples` input samples (before the engine's input gain), oldest first."""
        return self._read(self._input_scope, "input_scope_end", samples)

    def _read(self, ring: np.ndarray, end_field: str, samples: int) -> np.ndarray:
        samples = min(int(samples), SCOPE_SAMPLES)
        end = int(self._values[_INDEX[end_field]]) % SCOPE_SAMPLES
        return np.roll(ring, -end)[SCOPE_SAMPLES - samples :].copy()

    # --- the writer (audio callback) --------------------------------------------------------
    def staging(self) -> np.ndarray:
        """A private float64 array laid out like the shared values, for the writer to fill."""
        return np.zeros(len(_FIELDS), np.float64)

    @staticmethod
    def index(name: str) -> int:
        return _INDEX[name]

    def publish(self, staging: np.ndarray) -> None:
        values = self._values
        sequence = values[0] + 1.0
        values[0] = sequence  # odd: an update is in progress
        values[1:-2] = staging[1:-2]  # all but the sequence and the scope ends (owned by the scope writers)
        values[0] = sequence + 1.0

    def write_scope(self, block: np.ndarray) -> None:
        """Append a block of output samples to the scope ring."""
        self._write(self._scope, "scope_end", block)

    def write_input_scope(self, block: np.ndarray) -> None:
        """Append a block of input samples to the input ring."""
        self._write(self._input_scope, "input_scope_end", block)

    def _write(self, ring: np.ndarray, end_field: str, block: np.ndarray) -> None:
        n = min(block.shape[0], SCOPE_SAMPLES)
        block = block[block.shape[0] - n :]
        end_index = _INDEX[end_field]
        start = int(self._values[end_index]) % SCOPE_SAMPLES
        first = min(n, SCOPE_SAMPLES - start)
        ring[start : start + first] = block[:first]
        ring[: n - first] = block[first:]
        self._values[end_index] = (start + n) % SCOPE_SAMPLES


def latency_text(meters: Meters) -> str:
    """The round trip and its parts, e.g. "round trip 8.0 ms (in 2.7 + engine 0.0 + out 5.3)"; with
    a file as the input, the latency to the output."""
    rate = meters.sample_rate or 1
    parts = meters.input_latency_samples, meters.engine_latency_samples, meters.output_latency_samples
    into, engine, out = (1000 * samples / rate for samples in parts)
    if meters.input_latency_samples == 0:
        return f"latency {meters.latency_ms:.1f} ms (engine {engine:.1f} + out {out:.1f})"
    return f"round trip {meters.latency_ms:.1f} ms (in {into:.1f} + engine {engine:.1f} + out {out:.1f})"


def timing_percentiles(counts: np.ndarray, quantiles: tuple[float, ...] = (0.5, 0.99, 1.0)) -> tuple[float, ...]:
    """Callback times at these quantiles (1.0: the slowest), as fractions of the block time (to
    the 1 % bin's upper edge; 2.0 or more means later than two blocks), from TIMING_BINS counts."""
    cumulative = np.cumsum(counts)
    if not cumulative.size or cumulative[-1] == 0:
        return tuple(0.0 for _ in quantiles)
    bins = [int(np.searchsorted(cumulative, q * cumulative[-1])) for q in quantiles]
    return tuple((b + 1) / 100 for b in bins)
