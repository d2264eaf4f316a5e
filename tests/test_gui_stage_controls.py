"""What a guitarist reaches for on stage: the input gain's clip light at a real clipping input, the
output level, the tuner on a 110 Hz tone, the record button, the stage view's slot and name, names
shortened at word ends, and buttons that stay where they are."""

import json

import numpy as np
import soundfile as sf
from gui_helpers import TIMEOUT_MS, TINY, open_window, play, renamed_preset, settings_store, start
from jack_fixtures import jack  # noqa: F401  (a fixture: the test JACK server)

from neuralfx_gui.layout import elide_words

RATE = 48000


def tone(path, frequency_hz: float, amplitude: float):
    """A one-second loop of a sine that ends where it starts (a whole number of periods)."""
    t = np.arange(RATE) / RATE
    sf.write(path, (amplitude * np.sin(2 * np.pi * frequency_hz * t)).astype(np.float32), RATE, subtype="FLOAT")
    return path


def test_the_clip_light_lights_at_a_clipping_input_and_the_gain_can_cause_it(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    window = open_window(qtbot, tmp_path, monkeypatch)  # the DI clip peaks at -6.0 dBFS
    play(qtbot, window, TINY)
    window.editor.set_parameter(0, "output_gain_db", -30.0)
    start(qtbot, window)
    light, meter = window.editor.input_block, window.input_meter
    qtbot.waitUntil(lambda: meter.ballistics.held_db > -7.0, timeout=TIMEOUT_MS)
    qtbot.wait(1500)
    assert not light.clipping and meter.ballistics.held_db <= -6.0 + 0.01

    light.control.box.setValue(7.0)  # +7 dB: the chain hears peaks at +1 dBFS
    qtbot.waitUntil(lambda: window.link.engine.state.input_gain_db == 7.0, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: light.clipping, timeout=TIMEOUT_MS)
    assert meter.ballistics.held_db > 0.5  # the IN meter shows what the chain hears
    light.control.box.setValue(0.0)
    qtbot.waitUntil(lambda: not light.clipping, timeout=TIMEOUT_MS)  # 2 s after the last clip

    window.editor.output_block.control.box.setValue(-12.0)
    qtbot.waitUntil(lambda: window.link.engine.state.output_gain_db == -12.0, timeout=TIMEOUT_MS)
    window.save_settings()
    saved = json.loads(settings_store(tmp_path).value("engine"))
    assert (saved["input_gain_db"], saved["output_gain_db"]) == (0.0, -12.0)

    window.stop()
    qtbot.waitUntil(lambda: not window.running, timeout=TIMEOUT_MS)
    window.override_settings({"input_file": str(tone(tmp_path / "hot.wav", 440.0, 1.0))})  # a full-scale input
    start(qtbot, window)
    qtbot.waitUntil(lambda: light.clipping, timeout=TIMEOUT_MS)
    light.control.box.setValue(-12.0)  # the interface clipped: turning the gain down does not hide it
    qtbot.wait(2500)
    assert light.clipping and meter.ballistics.held_db < -11.0


def test_the_tuner_reads_110_hz_as_a2(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    window = open_window(qtbot, tmp_path, monkeypatch)
    window.override_settings({"input_file": str(tone(tmp_path / "a2.wav", 110.0, 0.3))})
    play(qtbot, window, TINY)
    start(qtbot, window)
    window.tuner_button.click()
    qtbot.waitUntil(lambda: window.tuner.note is not None, timeout=TIMEOUT_MS)
    note = window.tuner.note
    assert str(note) == "A2" and abs(note.cents) < 3, window.tuner.text
    assert window.tuner.text.startswith("A2 ") and window.tuner.text.endswith("(110.0 Hz)")


def test_record_writes_what_plays(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    window = open_window(qtbot, tmp_path, monkeypatch)
    play(qtbot, window, TINY)
    assert not window.record_button.isEnabled()
    start(qtbot, window)
    window.record_button.click()
    qtbot.waitUntil(lambda: window.link.engine.state.recording is not None, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.record_button.text() == "■ 0:01", timeout=TIMEOUT_MS)
    window.record_button.click()
    qtbot.waitUntil(lambda: window.record_button.text() == "● Rec", timeout=TIMEOUT_MS)
    folder = tmp_path / "data" / "neuralfx" / "recordings"
    qtbot.waitUntil(lambda: len(list(folder.glob("*.wav"))) == 1, timeout=TIMEOUT_MS)
    take = next(folder.glob("neuralfx *.wav"))
    audio, rate = sf.read(take, dtype="float32")
    assert rate == RATE and 1.0 < audio.size / RATE < 4.0
    assert 20 * np.log10(np.abs(audio).max()) > -20  # the DI clip through tiny, not silence
    assert window.statusBar().currentMessage() == f"Recorded {take}"


def test_the_stage_view_shows_the_slot_and_the_name(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    second = renamed_preset(tmp_path / "second.nfx", "Klon-ish overdrive for the solo in the second song")
    window = open_window(qtbot, tmp_path, monkeypatch)
    window.browser.set_slots([str(TINY), str(second)])
    window.browser.slots_changed.emit(list(window.browser.slots))
    play(qtbot, window, TINY)
    start(qtbot, window)
    window.stage_button.click()
    stage = window.stage
    assert stage.isVisible() and stage.isFullScreen()
    assert stage.slot_label.text() == "—" and stage.name_label.text() == "tiny test"  # played from the editor
    assert stage.state_label.text() == "ON"
    stage.keyPressEvent(_key("Right"))  # next slot: slot 1
    qtbot.waitUntil(lambda: stage.slot_label.text() == "1", timeout=TIMEOUT_MS)
    stage.keyPressEvent(_key("Right"))
    qtbot.waitUntil(lambda: stage.slot_label.text() == "2", timeout=TIMEOUT_MS)
    assert stage.name_label.text() == "Klon-ish overdrive for the solo in the second song"
    assert stage.name_label.wordWrap()
    stage.keyPressEvent(_key("Space"))
    qtbot.waitUntil(lambda: stage.state_label.text() == "BYPASSED", timeout=TIMEOUT_MS)
    assert window.link.engine.state.bypassed
    stage.keyPressEvent(_key("Escape"))
    assert not stage.isVisible()


def test_names_are_shortened_at_word_ends_and_buttons_stay_put(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    long_name = "Klon-ish overdrive for the solo in the second song of the encore, with the volume up to eleven"
    metrics = open_window(qtbot, tmp_path, monkeypatch).program_label.fontMetrics()
    for width in (80, 200, 320):
        shortened = elide_words(long_name, metrics, width)
        assert shortened.endswith(" …") and long_name.startswith(shortened[:-2])
        assert long_name[len(shortened) - 2] == " "  # cut where a word ends
        assert metrics.horizontalAdvance(shortened) <= width
    assert elide_words(long_name, metrics, 10_000) == long_name

    window = open_window(qtbot, tmp_path, monkeypatch)
    window.resize(800, 700)
    preset = renamed_preset(tmp_path / "long.nfx", long_name)
    play(qtbot, window, preset)
    buttons = (window.start_button, window.record_button, window.previous_button, window.next_button)
    buttons += (window.stage_button, window.browser.play_button, window.browser.favourite_button)

    def places():
        return [button.mapTo(window, button.rect().topLeft()) for button in buttons] + [b.width() for b in buttons]

    qtbot.wait(200)
    stopped = places()
    start(qtbot, window)
    qtbot.waitUntil(lambda: window.cpu_label.text().startswith("CPU "), timeout=TIMEOUT_MS)
    shown = window.program_label.text()
    assert window.program_label.full_text() == long_name != shown and long_name.startswith(shown[:-2])
    window.record_button.click()
    qtbot.waitUntil(lambda: window.record_button.text().startswith("■"), timeout=TIMEOUT_MS)
    assert places() == stopped  # playing and recording: every button where it was
    window.record_button.click()
    window.stop()
    qtbot.waitUntil(lambda: not window.running, timeout=TIMEOUT_MS)
    assert places() == stopped


def _key(name: str):
    from PyQt6.QtCore import Qt
    from PyQt6.QtGui import QKeyEvent

    return QKeyEvent(QKeyEvent.Type.KeyPress, getattr(Qt.Key, f"Key_{name}"), Qt.KeyboardModifier.NoModifier)
