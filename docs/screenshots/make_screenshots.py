"""Take the GUI screenshots in docs/screenshots/, with a real engine playing real signal.

A JACK server with the dummy backend (tests/jack_fixtures.py) runs the engine, which loops
examples/di_clip.wav through presets/ts9.nfx (tests/data/tiny.nfx when ts9 is not there yet)
and a cabinet block playing an impulse response made here (decaying noise, low-passed), so the
meters and the spectrum show what they show on stage. The pedal with drive and tone knobs is a
tiny random-weight model made by the tests' helper (tests/conftest.py), and the NAM file is
NAM's A2 example from the shared data folder when it is there. Settings live in a temporary
folder: the user's own settings and presets are not touched. Run it under Xvfb:

    xvfb-run -a -s "-screen 0 1280x800x24" python docs/screenshots/make_screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO / "tests"))

os.environ.setdefault("QT_QPA_PLATFORM", "xcb")  # Xvfb's display (gui_helpers would pick offscreen)

from conftest import knob_preset  # noqa: E402
from gui_helpers import JackMidiSender  # noqa: E402
from jack_fixtures import jack_server  # noqa: E402
from nam_helpers import NAM_DATA  # noqa: E402

TS9 = REPO / "presets" / "ts9.nfx"
TINY = REPO / "tests" / "data" / "tiny.nfx"
DI = REPO / "examples" / "di_clip.wav"


def wait_for(condition, timeout_s: float = 20.0) -> None:
    from PyQt6.QtTest import QTest

    for _ in range(int(timeout_s * 20)):
        if condition():
            return
        QTest.qWait(50)
    raise RuntimeError("the GUI did not get there in time")


def impulse_response(path: Path) -> Path:
    """A cabinet-like impulse response: 40 ms of decaying noise through a gentle low-pass."""
    import numpy as np
    import soundfile as sf
    from scipy.signal import butter, lfilter

    rng = np.random.default_rng(7)
    noise = rng.normal(0, 1, 1920) * np.exp(-np.arange(1920) / 240)
    b, a = butter(2, 4500 / 24000)
    sf.write(path, lfilter(b, a, noise).astype(np.float32), 48000, subtype="FLOAT")
    return path


def main() -> None:
    from PyQt6.QtCore import QSettings
    from PyQt6.QtTest import QTest
    from PyQt6.QtWidgets import QApplication

    from neuralfx.midi import Binding
    from neuralfx_gui.theme import apply_theme
    from neuralfx_gui.window import MainWindow

    preset = TS9 if TS9.exists() else TINY
    with tempfile.TemporaryDirectory() as folder, jack_server(period=256):
        os.environ["XDG_DATA_HOME"] = folder
        app = QApplication(sys.argv[:1])
        apply_theme(app)
        window = MainWindow(QSettings(str(Path(folder) / "gui.ini"), QSettings.Format.IniFormat))
        window.override_settings({"host_api": "jack", "input_file": str(DI)})
        window.midi_panel.own_port.setText("footswitch")
        window.show()
        knobs = knob_preset(Path(folder) / "knobs.nfx", name="Drive and tone (random weights)")
        a2 = NAM_DATA / "a2.nam"
        opened = [str(TINY), str(knobs)] + ([str(a2)] if a2.is_file() else [])
        window.browser.open_files(opened)
        wait_for(lambda: len(window.browser.items()) == len(opened) + (preset == TS9))
        window.browser.select(preset)
        window.browser.set_slots(list(dict.fromkeys([str(preset), str(knobs), str(TINY)])))
        window.browser.slots_changed.emit(window.browser.slots)
        window.play_preset(preset)
        wait_for(lambda: window.editor.model.effects)
        window.editor.add_cabinet(impulse_response(Path(folder) / "cabinet.wav"))
        if preset == TINY:  # tiny is loud: keep it under the ceiling
            window.editor.set_parameter(0, "output_gain_db", -20.0)
        window.tuner_button.setChecked(True)
        window.start()
        wait_for(lambda: window.running and not window.program_label.full_text().endswith("…)"))
        QTest.qWait(3000)
        window.grab().save(str(OUT / "main-window.png"))

        # the pedal with knobs in the chain editor; then a NAM file's size and output mode
        window.play_preset(knobs)
        wait_for(lambda: "drive" in window.editor.cards[0].controls)
        window.editor.cards[0].controls["drive"].knob.setValue(700)
        QTest.qWait(1500)
        window.editor.grab().save(str(OUT / "chain-editor.png"))
        if a2.is_file():
            window.play_preset(a2)
            wait_for(lambda: "model_size" in window.editor.cards[0].controls)
            window.editor.cards[0].controls["model_size"].knob.setValue(1000)
            window.browser.select(a2)
            QTest.qWait(1000)
            window.editor.cards[0].grab().save(str(OUT / "nam-pedal.png"))
            window.tabs.grab().save(str(OUT / "nam-browser.png"))

        # the stage view: slot 2 playing (a loud random-weight pedal: the output level down), the tuner listening
        window.editor.output_block.control.box.setValue(-12.0)
        window.next_button.click()
        wait_for(lambda: window.browser.current_slot == 0)
        window.next_button.click()
        wait_for(lambda: window.browser.current_slot == 1)
        window.stage.show()  # a window, not full screen: the screenshot keeps its size
        window.stage.resize(1024, 600)
        QTest.qWait(1500)
        window.stage.grab().save(str(OUT / "stage-view.png"))
        window.stage.close()

        # MIDI learn: a controller's CC 80 becomes "next preset", CC 21 the pedal's drive knob; then
        # "previous" waits for one
        window.tabs.setCurrentWidget(window.midi_panel)
        panel = window.midi_panel
        sender = JackMidiSender(window.link.engine.state.midi_ports[0])
        for binding, control in ((Binding("next_preset"), 80), (Binding("set_parameter", parameter="drive"), 21)):
            wait_for(lambda b=binding: b.role in panel.learn_buttons)  # drive: a knob of the playing pedal
            panel.learn_buttons[binding.role].click()
            wait_for(lambda b=binding: panel.trigger_of(b) == "waiting…")
            sender.send(bytes([0xB0, control, 100]))
            wait_for(lambda b=binding, c=control: panel.trigger_of(b) == f"CC {c}")
        panel.learn_buttons[Binding("previous_preset").role].click()
        wait_for(lambda: panel.trigger_of(Binding("previous_preset")) == "waiting…")
        QTest.qWait(500)
        window.grab().save(str(OUT / "midi-learn.png"))
        sender.close()
        window.close()
    print("wrote", ", ".join(p.name for p in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
