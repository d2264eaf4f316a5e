"""Meters, load, xruns, latency and the NaN/clip warnings show what the engine measures."""

import re

from gui_helpers import TIMEOUT_MS, TINY, open_window, play, start
from jack_fixtures import jack  # noqa: F401  (a fixture: the test JACK server)
from live_helpers import overflowing_preset

from neuralfx.engine import SILENCE_DB
from neuralfx_gui.meters import Ballistics

DI_PEAK_DB = -6.0  # examples/di_clip.wav peaks at -6.0 dBFS


def test_meters_and_status_follow_the_engine(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    window = open_window(qtbot, tmp_path, monkeypatch)
    play(qtbot, window, TINY)
    window.editor.set_parameter(0, "output_gain_db", -24.0)  # tiny is loud: stay clear of the ceiling
    start(qtbot, window)
    held = window.input_meter.ballistics
    qtbot.waitUntil(lambda: held.held_db > -40.0, timeout=TIMEOUT_MS)
    assert held.held_db <= DI_PEAK_DB + 0.01
    qtbot.waitUntil(lambda: window.output_meter.ballistics.held_db > -60.0, timeout=TIMEOUT_MS)

    meters = window.link.meters()
    # JACK's port latencies: a looped file has no input latency; playback is two periods; tiny adds none
    assert meters.latency_samples == meters.output_latency_samples == 2 * jack.period
    assert window.latency_label.text() == "10.7 ms to the output (engine 0.0) · 48 kHz"
    assert window.latency_label.toolTip().startswith("Latency 10.7 ms (engine 0.0 + out 10.7); 256 frames per block")
    assert window.xrun_label.text() == f"xruns {meters.xruns}"
    load = re.fullmatch(r"CPU (\d+) % \(max (\d+) %\)", window.cpu_label.text())
    assert load and 0 <= int(load[1]) <= int(load[2]) < 100
    assert window.warning_label.text() == ""

    window.stop()
    qtbot.waitUntil(lambda: not window.running, timeout=TIMEOUT_MS)
    assert window.input_meter.ballistics.held_db == SILENCE_DB
    assert window.latency_label.text() == "latency —"


def test_clip_and_nan_warnings(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    window = open_window(qtbot, tmp_path, monkeypatch)
    play(qtbot, window, TINY)
    window.editor.set_parameter(0, "output_gain_db", 12.0)  # far over the ceiling
    start(qtbot, window)
    qtbot.waitUntil(lambda: window.warning_label.text() == "CLIP", timeout=TIMEOUT_MS)
    assert window.output_meter.clipping and window.link.meters().clipped > 0

    play(qtbot, window, overflowing_preset(tmp_path / "overflowing.nfx"))
    qtbot.waitUntil(lambda: "NaN silenced" in window.warning_label.text(), timeout=TIMEOUT_MS)
    assert window.link.meters().non_finite > 0


def test_ballistics_hold_then_fall():
    meter = Ballistics(fall_db_per_s=24.0, hold_s=1.5)
    meter.update(peak_db=0.0, rms_db=-10.0, now_s=0.0)
    meter.update(peak_db=-60.0, rms_db=-70.0, now_s=1.0)
    assert (meter.peak_db, meter.rms_db, meter.held_db) == (-24.0, -34.0, 0.0)  # the peak is held
    meter.update(peak_db=-60.0, rms_db=-70.0, now_s=2.0)
    assert (meter.peak_db, meter.held_db) == (-48.0, -24.0)  # held for 1.5 s, then it falls too
    meter.update(peak_db=-3.0, rms_db=-9.0, now_s=2.1)
    assert (meter.peak_db, meter.rms_db, meter.held_db) == (-3.0, -9.0, -3.0)  # rises at once
