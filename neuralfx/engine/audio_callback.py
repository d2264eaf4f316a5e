"""The audio callback's whole job, free of any audio API: read the input (a device channel or a
looped file), run the signal path, write the output, record it, meter it, and use the spare time.

It holds no lock and no pipe: what other threads and processes see of it goes through lock-free
shared memory (meters) and single-writer counters and rings (recorder); what they ask of it is
queued in the signal path. In a steady stream it allocates no array.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from .looped_file import LoopedFile
from .meters import TIMING_BINS, SharedMeters
from .recorder import Recorder
from .signal_path import SignalPath

SPARE_FRACTION = 0.3
"""The callback prepares incoming programs until this fraction of the block time has passed."""

METER_WINDOW_S = 0.05


class _MeterWindow:
    """What the callbacks of one meter window add up to."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.samples = 0
        self.busy_s = self.audio_s = self.max_load = 0.0
        self.input_peak = self.input_square = self.output_peak = self.output_square = 0.0


class AudioCallback:
    """Called by the audio stream as `callback(indata, outdata, frames, time_info, status)`:
    indata (frames, channels) or None when `source` plays instead; outdata (frames, channels).

    Args:
        signal_path: what the input goes through.
        meters: where the meters and the scope are published.
        recorder: takes a copy of every output block.
        sample_rate: the stream's rate in Hz.
        input_channel: the device input channel of the guitar.
        source: a looped file played instead of the device input.
        capacity: largest block expected (a larger block grows the buffers, once).
        device_latency: (input, output) latency of the audio device in samples, for the meters
            (`input_latency`, `output_latency`: the engine updates them when they change).
    """

    def __init__(
        self,
        signal_path: SignalPath,
        meters: SharedMeters,
        recorder: Recorder,
        sample_rate: int,
        input_channel: int = 0,
        source: LoopedFile | None = None,
        capacity: int = 8192,
        device_latency: tuple[int, int] = (0, 0),
    ) -> None:
        self.signal_path, self.meters, self.recorder, self.source = signal_path, meters, recorder, source
        self.rate = sample_rate
        self.input_channel = input_channel
        self.input_latency, self.output_latency = device_latency
        self._timing = meters.timing_counts
        self._x = np.zeros(capacity, np.float32)
        self._y = np.zeros(capacity, np.float32)
        self._staging = meters.staging()
        self._window_samples = round(METER_WINDOW_S * sample_rate)
        self._quiet_thread: int | None = None
        self._window = _MeterWindow()
        self.reset_counts()

    def reset_counts(self) -> None:
        """Start counting callbacks, samples and xruns afresh (after the warm-up calls)."""
        self.xruns = self.callbacks = self.samples = self.frames = 0
        self._timing[:] = 0.0
        self._window.reset()

    def __call__(self, indata, outdata, frames: int, time_info, status) -> None:
        """sounddevice's callback: indata (frames, channels) or None, outdata (frames, channels)."""
        if status and (
            status.input_overflow or status.output_underflow or status.input_underflow or status.output_overflow
        ):
            self.xruns += 1
        y = self.process(None if indata is None else indata[:, self.input_channel], frames)
        np.copyto(outdata, y[:, None])

    def process(self, column: np.ndarray | None, frames: int, cycle_start: float | None = None) -> np.ndarray:
        """One block: the guitar's input column (frames,) float32, or None when `source` plays;
        returns the output block (frames,) float32, valid until the next call.

        Args:
            cycle_start: time.perf_counter() when the audio cycle began, if the audio API knows
                (JACK does): the callback's timing is then measured from there, so that a late
                start counts. None: from this call.
        """
        start = time.perf_counter()
        cycle_start = start if cycle_start is None else cycle_start
        if threading.get_ident() != self._quiet_thread:  # a broken model must not print warnings here
            np.seterr(all="ignore")  # numpy's error state is per thread
            self._quiet_thread = threading.get_ident()
        if frames > self._x.shape[0]:
            self._x, self._y = np.zeros(frames, np.float32), np.zeros(frames, np.float32)
        x, y = self._x[:frames], self._y[:frames]
        if column is None:
            self.source.read_into(x)
        else:
            np.copyto(x, column)
        in_peak, in_square = max(x.max(), -x.min()), np.dot(x, x)
        self.meters.write_input_scope(x)
        self.signal_path.process(x, y)
        self.recorder.push(y)
        self.meters.write_scope(y)
        period = frames / self.rate
        self.signal_path.spare_time(cycle_start + SPARE_FRACTION * period)
        self._account(frames, period, in_peak, in_square, max(y.max(), -y.min()), np.dot(y, y), start, cycle_start)
        return y

    def wait_for_one(self, timeout_s: float = 0.5) -> None:
        """Return within 0.2 ms after the next callback ends (or after the timeout). It polls
        the callback count: a lock or an event would be one more thing the callback could wait on."""
        seen, deadline = self.callbacks, time.perf_counter() + timeout_s
        while self.callbacks == seen and time.perf_counter() < deadline:
            time.sleep(0.0002)

    def _account(self, frames, period, in_peak, in_square, out_peak, out_square, start, cycle_start) -> None:
        self.frames = frames
        self.callbacks += 1
        self.samples += frames
        w = self._window
        end = time.perf_counter()
        elapsed = end - start
        self._timing[min(int(100.0 * (end - cycle_start) / period), TIMING_BINS - 1)] += 1.0
        w.samples += frames
        w.busy_s += elapsed
        w.audio_s += period
        w.max_load = max(w.max_load, elapsed / period)
        w.input_peak = max(w.input_peak, in_peak)
        w.input_square += in_square
        w.output_peak = max(w.output_peak, out_peak)
        w.output_square += out_square
        if w.samples >= self._window_samples:
            self._publish(w)
            w.reset()

    def _publish(self, w: _MeterWindow) -> None:
        s, index, path = self._staging, self.meters.index, self.signal_path
        samples = max(w.samples, 1)
        s[index("input_peak")] = w.input_peak
        s[index("input_rms")] = (w.input_square / samples) ** 0.5
        s[index("output_peak")] = w.output_peak
        s[index("output_rms")] = (w.output_square / samples) ** 0.5
        s[index("cpu_load")] = w.busy_s / w.audio_s if w.audio_s else 0.0
        s[index("cpu_load_max")] = w.max_load
        s[index("xruns")] = self.xruns
        s[index("callbacks")] = self.callbacks
        s[index("block_frames")] = self.frames
        s[index("input_latency_samples")] = self.input_latency
        s[index("output_latency_samples")] = self.output_latency
        s[index("engine_latency_samples")] = path.latency_samples
        s[index("sample_rate")] = self.rate
        s[index("engaged")] = path.engaged
        s[index("non_finite")] = path.non_finite_total
        s[index("clipped")] = path.clipped_samples
        s[index("stream_time_s")] = self.samples / self.rate
        self.meters.publish(s)
