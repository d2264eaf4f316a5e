"""Latency alignment recovers a planted delay exactly: from the blips when the input is our
capture signal, by cross-correlation otherwise, and a manual latency overrides both."""

import numpy as np
import pytest
from training_pairs import RATE, delayed, dry, soft_clipper, write_pair

from neuralfx_training.align import blip_delay, cross_correlation_delay, shift_target
from neuralfx_training.capture import capture_layout, make_capture_signal
from neuralfx_training.data import highpass_zero_phase, prepare_pair


@pytest.mark.parametrize("delay", [0, 1, 237, 4000])
def test_blips_recover_the_delay_of_a_recording_with_noise(delay):
    layout = capture_layout(RATE)
    recording = delayed(soft_clipper(make_capture_signal(RATE)), delay)
    recording += np.random.default_rng(delay).normal(0, 1e-4, len(recording)).astype(np.float32)  # -80 dBFS hiss
    found = blip_delay(recording, layout.blips, layout.blip_window, layout.silence)
    assert found.delay_samples == delay
    assert found.blip_delays == [delay, delay]
    assert found.warnings == []


def test_capture_signal_pairs_are_aligned_from_their_blips(tmp_path):
    x = make_capture_signal(RATE)
    y = delayed(soft_clipper(x), 311)
    data = prepare_pair(*write_pair(tmp_path, x, y))
    assert data.capture_signal
    assert (data.alignment.method, data.alignment.delay_samples) == ("blips", 311)
    # The aligned target is the pedal's output on the input's time axis, less its sub-20 Hz part.
    valid = len(x) - 311
    assert np.abs(data.target[:valid] - highpass_zero_phase(soft_clipper(x)[:valid], RATE)).max() < 1e-6


@pytest.mark.parametrize("delay", [0, 1, 123, 2000])
def test_cross_correlation_recovers_the_delay_of_any_pair(delay):
    x = dry(6.0, seed=1)
    found = cross_correlation_delay(x, delayed(soft_clipper(x), delay), RATE)
    assert (found.method, found.delay_samples) == ("cross-correlation", delay)


def test_other_pairs_are_aligned_by_cross_correlation_and_a_manual_latency_wins(tmp_path):
    x = dry(12.0, seed=2)
    paths = write_pair(tmp_path, x, delayed(soft_clipper(x), 77))
    found = prepare_pair(*paths)
    assert (found.alignment.method, found.alignment.delay_samples) == ("cross-correlation", 77)
    manual = prepare_pair(*paths, latency_samples=70)
    assert (manual.alignment.method, manual.alignment.delay_samples) == ("manual", 70)


def test_shift_target_marks_the_samples_the_recording_covers():
    y = np.arange(1, 11, dtype=np.float32)
    late, late_range = shift_target(y, 3, 10)
    assert late_range == (0, 7) and late[:7].tolist() == list(range(4, 11)) and late[7:].tolist() == [0, 0, 0]
    early, early_range = shift_target(y, -2, 10)
    assert early_range == (2, 10) and early[2:].tolist() == list(range(1, 9))


def test_unheard_blips_fall_back_to_cross_correlation_with_a_warning(tmp_path):
    x = make_capture_signal(RATE)
    y = delayed(soft_clipper(x), 64)
    layout = capture_layout(RATE)
    y[layout.silence[0] : layout.sweeps[0]] = 0.0  # a noise gate swallowed the blips
    data = prepare_pair(*write_pair(tmp_path, x, y))
    assert (data.alignment.method, data.alignment.delay_samples) == ("cross-correlation", 64)
    warnings = [f.message for f in data.findings if f.check == "latency"]
    assert warnings[:2] == [
        "no response to the latency blips rose above the recording's noise floor",
        "fell back to cross-correlation",
    ]
