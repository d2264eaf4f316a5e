"""Meters in shared memory: what the callback publishes is what the controller reads."""

import multiprocessing

import numpy as np

from neuralfx.engine.meters import SCOPE_SAMPLES, SILENCE_DB, TIMING_BINS, Meters, SharedMeters, timing_percentiles


def test_published_values_are_read_back_as_a_snapshot():
    shared = SharedMeters(multiprocessing.get_context("spawn"))
    assert shared.read() == Meters()
    staging = shared.staging()
    for name, value in {
        "input_peak": 0.5, "input_rms": 0.0, "output_peak": 1.0, "output_rms": 0.1, "cpu_load": 0.25,
        "cpu_load_max": 0.5, "xruns": 3, "callbacks": 100, "block_frames": 128, "input_latency_samples": 128,
        "output_latency_samples": 256, "engine_latency_samples": 96, "sample_rate": 48000,
        "engaged": 0, "non_finite": 2, "clipped": 7, "stream_time_s": 1.5,
    }.items():  # fmt: skip
        staging[shared.index(name)] = value
    shared.publish(staging)
    meters = shared.read()
    assert meters.input_peak_db == np.float64(20 * np.log10(0.5))
    assert (meters.input_rms_db, meters.output_peak_db) == (SILENCE_DB, 0.0)
    assert (meters.xruns, meters.callbacks, meters.non_finite, meters.clipped, meters.engaged) == (3, 100, 2, 7, False)
    assert (meters.latency_samples, meters.latency_ms, meters.cpu_load) == (480, 10.0, 0.25)  # the round trip
    assert (meters.input_latency_samples, meters.engine_latency_samples, meters.output_latency_samples) == (
        128,
        96,
        256,
    )
    assert (meters.engine_latency_ms, meters.block_frames) == (2.0, 128)


def test_scope_returns_the_latest_samples_in_order():
    shared = SharedMeters(multiprocessing.get_context("spawn"))
    ramp = np.arange(SCOPE_SAMPLES + 1000, dtype=np.float32)
    for start in range(0, ramp.size, 300):
        shared.write_scope(ramp[start : start + 300])
    np.testing.assert_array_equal(shared.scope(2048), ramp[-2048:])
    shared.publish(shared.staging())  # publishing meters leaves the scope position alone
    np.testing.assert_array_equal(shared.scope(10), ramp[-10:])


def test_callback_times_are_counted_in_one_percent_bins():
    counts = np.zeros(TIMING_BINS)
    counts[20] = 98  # 98 callbacks finished within 20–21 % of the block time
    counts[45] = 1
    counts[150] = 1  # one took 1.5 blocks: a dropout
    assert timing_percentiles(counts) == (0.21, 0.46, 1.51)
    assert timing_percentiles(np.zeros(TIMING_BINS)) == (0.0, 0.0, 0.0)
