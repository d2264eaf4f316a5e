"""The offline TS9 (guitarix GxTubeScreamer through our ctypes LV2 host): aligned, deterministic, distorting,
and its knobs wired to the right ports. Skips where guitarix-lv2 is not installed (CI does not install it)."""

import shutil
import subprocess

import numpy as np
import pytest
import soundfile

from neuralfx_training import reference_pedal
from neuralfx_training.reference_pedal import render_ts9

SAMPLE_RATE = 48000


def _plugin_or_skip() -> None:
    try:
        reference_pedal.plugin_bundle()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


def _sine(level_db: float, frequency_hz: float = 1000.0, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (10 ** (level_db / 20) * np.sin(2 * np.pi * frequency_hz * t)).astype(np.float32)


def _harmonics(y: np.ndarray, frequency_hz: float = 1000.0, count: int = 9) -> np.ndarray:
    """Amplitudes of the first `count` harmonics of the steady second half of a 1 s render."""
    tail = y[len(y) // 2 :].astype(np.float64)
    spectrum = np.abs(np.fft.rfft((tail - tail.mean()) * np.hanning(len(tail))))
    bin_hz = SAMPLE_RATE / len(tail)
    return np.array([spectrum[round(n * frequency_hz / bin_hz) - 2 : round(n * frequency_hz / bin_hz) + 3].max()
                     for n in range(1, count + 1)])  # fmt: skip


def _thd(y: np.ndarray) -> float:
    h = _harmonics(y)
    return float(np.sqrt(np.sum(h[1:] ** 2)) / h[0])


def test_output_is_aligned_with_the_input_sample_for_sample():
    _plugin_or_skip()
    dry = np.zeros(4801, dtype=np.float32)
    dry[1000] = 0.5
    wet = render_ts9(dry)
    assert wet.dtype == np.float32 and wet.shape == dry.shape
    assert not np.any(wet[:1000]), "nothing may come out before the impulse: no pre-roll left, no latency"
    assert abs(wet[1000]) > 1e-3


def test_render_is_deterministic_and_equals_lv2apply(tmp_path):
    _plugin_or_skip()
    rng = np.random.default_rng(0)
    dry = (0.3 * rng.standard_normal(SAMPLE_RATE) * np.exp(-np.arange(SAMPLE_RATE) / 8000)).astype(np.float32)
    wet = render_ts9(dry)
    np.testing.assert_array_equal(wet, render_ts9(dry))
    if shutil.which("lv2apply") is None:
        pytest.skip("lv2apply (lilv-utils) is not installed: no second host to compare with")
    preroll = round(reference_pedal.PREROLL_S * SAMPLE_RATE)
    soundfile.write(tmp_path / "dry.wav", np.concatenate([np.zeros(preroll, np.float32), dry]), SAMPLE_RATE,
                    subtype="FLOAT")  # fmt: skip
    controls = ["-c", "fslider0_", "-8", "-c", "fslider1_", "550", "-c", "fslider2_", "0.5"]
    files = ["-i", tmp_path / "dry.wav", "-o", tmp_path / "wet.wav"]
    command = ["lv2apply", *files, *controls, reference_pedal.PLUGIN_URI]
    subprocess.run(command, check=True, capture_output=True)
    reference, _ = soundfile.read(tmp_path / "wet.wav", dtype="float32")
    np.testing.assert_array_equal(wet, reference[preroll:])


def test_noon_setting_is_an_odd_harmonic_overdrive():
    _plugin_or_skip()
    for level_db in (-30.0, -18.0, -6.0):
        wet = render_ts9(_sine(level_db))
        h = _harmonics(wet)
        assert 0.04 < _thd(wet) < 0.2, level_db
        assert h[2] > 100 * h[1], "a symmetric clipper: the third harmonic dwarfs the second"
    # Strong compression: 24 dB more input gives far less than 24 dB more output.
    quiet, loud = (np.sqrt(np.mean(render_ts9(_sine(db))[SAMPLE_RATE // 2 :] ** 2)) for db in (-30.0, -6.0))
    assert 20 * np.log10(loud / quiet) < 12


def test_knobs_reach_their_ports():
    _plugin_or_skip()
    dry = _sine(-18.0)

    def rms_db(y: np.ndarray) -> float:
        return float(20 * np.log10(np.sqrt(np.mean(y[SAMPLE_RATE // 2 :] ** 2))))

    assert rms_db(render_ts9(dry, level_db=4.0)) - rms_db(render_ts9(dry, level_db=-20.0)) == pytest.approx(24, abs=0.1)
    quiet = _sine(-40.0)  # at drive 0 this stays nearly clean; at full drive it clips
    assert _thd(render_ts9(quiet, drive=0.0)) < 0.01 < 0.05 < _thd(render_ts9(quiet, drive=1.0))
    bright, dark = (_harmonics(render_ts9(dry, tone=tone)) for tone in (1000.0, 100.0))
    assert bright[0] > 4 * dark[0], "Tone is a treble control: turned up, 1 kHz comes through over 12 dB louder"


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="drive"):
        render_ts9(np.zeros(10, np.float32), drive=1.5)
    with pytest.raises(ValueError, match="mono"):
        render_ts9(np.zeros((2, 10), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        render_ts9(np.array([0.0, np.nan], np.float32))


def test_missing_plugin_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setenv("LV2_PATH", str(tmp_path))
    monkeypatch.setattr(reference_pedal, "_BUNDLE", "not-installed.lv2")
    with pytest.raises(FileNotFoundError, match="apt install guitarix-lv2"):
        reference_pedal.plugin_bundle()
