"""Every data check fires on a crafted bad pair, with a message that says what to do."""

import numpy as np
import pytest
import soundfile
from training_pairs import RATE, dry, soft_clipper, write_pair

from neuralfx_training.capture import capture_layout, make_capture_signal
from neuralfx_training.checks import DataError
from neuralfx_training.data import prepare_pair


@pytest.fixture
def pair():
    """72 s: long enough to pass every check."""
    x = np.tile(dry(12.0, seed=4), 6)
    return x, soft_clipper(x)


def failure(tmp_path, x, y, **kwargs) -> str:
    with pytest.raises(DataError) as raised:
        prepare_pair(*write_pair(tmp_path, x, y, **kwargs))
    return str(raised.value)


def test_a_good_pair_passes(tmp_path, pair):
    data = prepare_pair(*write_pair(tmp_path, *pair))
    assert data.findings == []
    # The last 10 % is held out for validation.
    assert data.training == (0, round(64.8 * RATE)) and data.validation == (round(64.8 * RATE), 72 * RATE)


def test_sample_rate_mismatch_is_an_error_that_cannot_be_ignored(tmp_path, pair):
    paths = write_pair(tmp_path, *pair, target_rate=44100)
    with pytest.raises(DataError, match=r"input.wav is 16000 Hz but target.wav is 44100 Hz: record the target"):
        prepare_pair(*paths, ignore_checks=True)


def test_non_finite_samples(tmp_path, pair):
    x, y = pair
    y[500] = np.nan
    assert "target.wav holds 1 NaN or Inf samples: export it again" in failure(tmp_path, x, y)


def test_length_mismatch(tmp_path, pair):
    x, y = pair
    message = failure(tmp_path, x, y[: -2 * RATE])
    assert "target.wav is 70.00 s long but input.wav is 72.00 s (2.00 s shorter)" in message
    assert "record the whole input" in message


@pytest.mark.parametrize("role", ["input", "target"])
def test_silence(tmp_path, pair, role):
    x, y = pair
    silent = np.zeros_like(x)
    paths = write_pair(tmp_path, silent, y) if role == "input" else write_pair(tmp_path, x, silent)
    with pytest.raises(DataError) as raised:
        prepare_pair(*paths, ignore_checks=True)  # nothing can be learnt from silence
    message = str(raised.value)
    assert f"{role}.wav is silent (peak -inf dBFS)" in message
    if role == "target":
        assert "the pedal's output was not recorded: check the cables" in message


def test_a_clipped_target_is_an_error_and_a_clipped_input_a_warning(tmp_path, pair):
    x, y = pair
    clipped = np.clip(y * 4, -1, 1)
    message = failure(tmp_path, x, clipped)
    assert "target.wav clips:" in message and "Lower the interface's input gain" in message

    data = prepare_pair(*write_pair(tmp_path, np.clip(x * 4, -1, 1), y), ignore_checks=True)
    [finding] = [f for f in data.findings if f.check == "clipping"]
    assert finding.severity == "warning" and finding.message.startswith("input.wav clips:")


def test_too_short_is_an_error_below_five_seconds_and_a_warning_below_a_minute(tmp_path, pair):
    x, y = pair
    message = failure(tmp_path, x[: 5 * RATE], y[: 5 * RATE])
    assert "only 3.0 s of training audio (at least 5 s needed, 3 minutes recommended)" in message
    data = prepare_pair(*write_pair(tmp_path, x[: 20 * RATE], y[: 20 * RATE]))
    [finding] = data.findings
    assert (finding.check, finding.severity) == ("too_short", "warning")
    assert finding.message.startswith("only 18.0 s of training audio: 3 minutes of varied playing")


def test_validation_passes_that_differ_fail_the_self_esr_check(tmp_path):
    x = make_capture_signal(RATE)
    y = soft_clipper(x)
    start, stop = capture_layout(RATE).validation[1]
    y[start:stop] *= 1.2  # a knob moved between the two passes
    message = failure(tmp_path, x, y)
    assert "the two validation passes in target.wav differ (ESR 0.0278, must be below 0.01)" in message
    assert "a knob moved during the recording" in message and "time-based effect" in message
    assert "pass --ignore-checks to train anyway" in message

    data = prepare_pair(*write_pair(tmp_path, x, y), ignore_checks=True)
    assert [f.check for f in data.findings] == ["self_esr"] and 0.0277 < data.self_esr < 0.0279


def test_a_stereo_file_trains_on_its_first_channel_with_a_warning(tmp_path, pair):
    x, y = pair
    paths = write_pair(tmp_path, x, y)
    soundfile.write(paths[1], np.stack([y, np.zeros_like(y)], axis=1), RATE, subtype="FLOAT")
    data = prepare_pair(*paths)
    [finding] = data.findings
    assert (
        finding.check == "channels"
        and "target.wav has 2 channels: training on the first (left) only" in finding.message
    )
    assert np.abs(data.target).max() > 0.1


def test_ignore_checks_trains_anyway_but_keeps_the_findings(tmp_path, pair):
    x, y = pair
    data = prepare_pair(*write_pair(tmp_path, x, np.clip(y * 4, -1, 1)), ignore_checks=True)
    assert [(f.check, f.severity) for f in data.findings] == [("clipping", "error")]
