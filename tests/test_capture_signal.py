"""The reamp capture signal: its layout, its repeated validation, its blips, and recognising it in a file."""

import itertools

import numpy as np
import pytest
import soundfile

from neuralfx_training import capture
from neuralfx_training.capture import capture_layout, is_capture_signal, make_capture_signal, write_capture_signal


@pytest.mark.parametrize("sample_rate", [44100, 48000])
def test_layout_segments_are_in_order_and_tile_the_signal(sample_rate):
    layout = capture_layout(sample_rate)
    first, second = layout.validation
    boundaries = [first, layout.silence, layout.sweeps, layout.noise, layout.training, second]
    assert first[0] == 0 and second[1] == layout.total_samples
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(boundaries))
    assert first[1] - first[0] == second[1] - second[0] == 9 * sample_rate
    assert layout.total_samples == 190 * sample_rate
    assert layout.training[1] - layout.training[0] > 160 * sample_rate
    lo, hi = layout.blip_window
    assert lo < 0 < hi
    windows = [(blip + lo, blip + hi) for blip in layout.blips]
    assert layout.silence[1] <= windows[0][0] and windows[0][1] <= windows[1][0] and windows[1][1] <= layout.sweeps[0]


@pytest.mark.parametrize("sample_rate", [44100, 48000])
def test_signal_matches_its_layout(sample_rate):
    x = make_capture_signal(sample_rate)
    layout = capture_layout(sample_rate)
    assert x.dtype == np.float32 and x.shape == (layout.total_samples,)
    assert np.abs(x).max() < 0.9
    (a, b), (c, d) = layout.validation
    np.testing.assert_array_equal(x[a:b], x[c:d])
    assert np.abs(x[a:b]).max() == pytest.approx(10 ** (-3 / 20), rel=1e-5)  # the hot part
    assert not np.any(x[slice(*layout.silence)])
    lo, hi = layout.blip_window
    for blip in layout.blips:
        window = x[blip + lo : blip + hi].copy()
        assert window[-lo] == capture.BLIP_AMPLITUDE
        window[-lo] = 0.0
        assert not np.any(window), "the blip window must hold nothing but the blip"
    for start, stop in (layout.sweeps, layout.noise, layout.training):
        assert np.sqrt(np.mean(x[start:stop] ** 2)) > 10 ** (-40 / 20)
    training = x[slice(*layout.training)]
    second_peaks = [np.abs(training[i : i + sample_rate]).max() for i in range(0, len(training), sample_rate)]
    assert 20 * np.log10(min(second_peaks)) < -24 and 20 * np.log10(max(second_peaks)) > -4  # quiet to hot


def test_signal_is_deterministic():
    first = make_capture_signal(48000)
    capture._capture_signal.cache_clear()
    np.testing.assert_array_equal(first, make_capture_signal(48000))


@pytest.mark.parametrize("subtype", ["FLOAT", "PCM_24", "PCM_16"])
def test_written_file_is_recognised(tmp_path, subtype):
    path = tmp_path / "capture.wav"
    write_capture_signal(path, 48000, subtype)
    assert [p.name for p in tmp_path.iterdir()] == ["capture.wav"]
    info = soundfile.info(path)
    assert (info.samplerate, info.channels, info.subtype, info.frames) == (48000, 1, subtype, 190 * 48000)
    audio, _ = soundfile.read(path, dtype="float32")
    assert is_capture_signal(audio, 48000)


def test_other_audio_is_not_the_capture_signal():
    x = make_capture_signal(48000)
    assert is_capture_signal(x, 48000)
    assert not is_capture_signal(x * 0.5, 48000)
    assert not is_capture_signal(np.roll(x, 1), 48000)
    assert not is_capture_signal(x[:-1], 48000)
    assert not is_capture_signal(x, 44100)
    other = x.copy()
    start, stop = capture_layout(48000).training
    other[start:stop] = other[start:stop][::-1]  # same levels and spectrum, other playing
    assert not is_capture_signal(other, 48000)
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, len(x)).astype(np.float32)
    assert not is_capture_signal(noise, 48000)
    with pytest.raises(ValueError, match="mono"):
        is_capture_signal(np.stack([x, x]), 48000)


def test_a_file_of_another_length_is_rejected_without_rendering_the_signal():
    capture._capture_signal.cache_clear()
    assert not is_capture_signal(np.zeros(48000, np.float32), 48000)
    assert capture._capture_signal.cache_info().currsize == 0
