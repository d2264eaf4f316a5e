"""A pedal's own knobs in the chain editor: turning drive or a NAM file's size reaches the playing
pedal, the output mode reloads it, a CC learned for drive moves the knob; a cabinet block plays its
impulse response as pedalboard's Convolution does."""

import shutil

import numpy as np
import pedalboard
import pytest
import soundfile as sf
from conftest import knob_preset
from gui_helpers import TIMEOUT_MS, JackMidiSender, open_window, play, start
from jack_fixtures import ENGINE_CLIENT, JackTester, find_lag, jack  # noqa: F401  (jack is a fixture)
from live_helpers import guitar_like
from nam_helpers import shared_nam_data

from neuralfx.midi import Binding
from neuralfx_gui.effects import CABINET, impulse_response_entry

DRIVE = Binding("set_parameter", parameter="drive")


def engine_parameters(window, index: int = 0) -> dict:
    return window.link.engine.state.chain_dict["effects"][index]["parameters"]


def test_turning_drive_and_tone_reaches_the_pedal(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    window = open_window(qtbot, tmp_path, monkeypatch)
    play(qtbot, window, knob_preset(tmp_path / "knobs.nfx"))
    start(qtbot, window)
    qtbot.waitUntil(lambda: "drive" in window.editor.cards[0].controls, timeout=TIMEOUT_MS)
    card = window.editor.cards[0]
    assert card.title.text() == "knobs test"
    assert list(card.controls) == ["input_gain_db", "output_gain_db", "mix", "drive", "tone"]
    drive = card.controls["drive"]
    assert (drive.value, drive.box.text()) == (5.0, "5.0")  # the dial's default
    drive.knob.setValue(720)  # 72 % of the way round: 7.2 on a 0-10 dial
    qtbot.waitUntil(lambda: engine_parameters(window)["drive"] == pytest.approx(7.2), timeout=TIMEOUT_MS)
    card.controls["tone"].box.setValue(2.5)
    qtbot.waitUntil(lambda: engine_parameters(window)["tone"] == 2.5, timeout=TIMEOUT_MS)
    assert engine_parameters(window)["drive"] == pytest.approx(7.2)
    card.controls["drive"].knob.mouseDoubleClickEvent(None)  # back to the default
    qtbot.waitUntil(lambda: engine_parameters(window)["drive"] == 5.0, timeout=TIMEOUT_MS)


def test_a_nam_files_size_and_output_mode(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    a2 = tmp_path / "a2.nam"
    shutil.copy(shared_nam_data() / "a2.nam", a2)
    window = open_window(qtbot, tmp_path, monkeypatch)
    play(qtbot, window, a2)
    start(qtbot, window)
    qtbot.waitUntil(lambda: "model_size" in window.editor.cards[0].controls, timeout=TIMEOUT_MS)
    card = window.editor.cards[0]
    assert card.caption.text() == "NAM SlimmableContainer"
    assert card.size_label.text() == "size 1 of 2 · 1.7k MAC/sample"
    assert card.output_mode.currentData() == "normalized"  # NAM's plugin default for .nam files
    card.controls["model_size"].knob.setValue(1000)
    qtbot.waitUntil(lambda: engine_parameters(window)["model_size"] == 1.0, timeout=TIMEOUT_MS)
    assert window.editor.cards[0].size_label.text() == "size 2 of 2 · 11.8k MAC/sample"

    window.editor.cards[0].output_mode.setCurrentIndex(window.editor.cards[0].output_mode.findData("raw"))
    qtbot.waitUntil(lambda: engine_parameters(window).get("output_mode") == "raw", timeout=TIMEOUT_MS)
    assert engine_parameters(window)["model_size"] == 1.0  # the reload keeps the size
    qtbot.waitUntil(lambda: window.editor.cards[0].output_mode.currentData() == "raw", timeout=TIMEOUT_MS)


def test_a_cc_learned_for_drive_moves_the_knob(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    window = open_window(qtbot, tmp_path, monkeypatch, midi=True)
    play(qtbot, window, knob_preset(tmp_path / "knobs.nfx"))
    start(qtbot, window)
    panel = window.midi_panel
    qtbot.waitUntil(lambda: DRIVE.role in panel.learn_buttons, timeout=TIMEOUT_MS)
    sender = JackMidiSender(window.link.engine.state.midi_ports[0])
    try:
        panel.learn_buttons[DRIVE.role].click()
        qtbot.waitUntil(lambda: panel.trigger_of(DRIVE) == "waiting…", timeout=TIMEOUT_MS)
        sender.send(bytes([0xB0, 21, 0]))
        qtbot.waitUntil(lambda: panel.trigger_of(DRIVE) == "CC 21", timeout=TIMEOUT_MS)
        assert {"command": "set_parameter", "control": 21, "parameter": "drive"} in window.midi_map["bindings"]
        sender.send(bytes([0xB0, 21, 127]))
        qtbot.waitUntil(lambda: window.editor.cards[0].controls["drive"].value == 10.0, timeout=TIMEOUT_MS)
        assert engine_parameters(window)["drive"] == 10.0
        assert window.editor.cards[0].controls["drive"].knob.value() == 1000
        sender.send(bytes([0xB0, 21, 32]))
        expected = 10.0 * 32 / 127
        qtbot.waitUntil(
            lambda: abs(window.editor.cards[0].controls["drive"].value - expected) < 1e-9, timeout=TIMEOUT_MS
        )
    finally:
        sender.close()


def test_a_cabinet_plays_its_impulse_response_as_pedalboard_does(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    rng = np.random.default_rng(5)
    ir = (rng.normal(0, 1, 1500) * np.exp(-np.arange(1500) / 200)).astype(np.float32)
    ir_path = tmp_path / "cab.wav"
    sf.write(ir_path, ir / np.abs(ir).sum(), 48000, subtype="FLOAT")
    window = open_window(qtbot, tmp_path, monkeypatch)
    window.override_settings({"input_file": None})  # the test client plays into the engine
    window.link.engine.settings.client_name = ENGINE_CLIENT
    window.editor.add_cabinet(ir_path)
    card = window.editor.cards[0]
    assert (card.title.text(), card.caption.text()) == ("Cabinet (IR)", "cab.wav")
    assert list(card.controls) == ["mix"]
    start(qtbot, window)
    assert window.link.engine.state.chain_dict["effects"] == [impulse_response_entry(str(ir_path))]
    x = guitar_like(1.0)
    x[:2400] = 0.0
    recorded = JackTester(x).wait()
    expected = pedalboard.Convolution(str(ir_path))(x, 48000)
    lag = find_lag(recorded[2400:], expected[2400:], max_lag=4 * jack.period)
    assert np.abs(expected).max() > 0.02  # a real signal went through
    np.testing.assert_allclose(recorded[lag : lag + x.size], expected, atol=1e-4)
    assert window.editor.model.effects[0].entry["class"] == CABINET
