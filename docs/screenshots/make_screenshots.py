"""Take the GUI screenshots in docs/screenshots/, with a real engine playing real signal.

A JACK server with the dummy backend (tests/jack_fixtures.py) runs the engine, which loops
examples/di_clip.wav through presets/ts9.nfx (tests/data/tiny.nfx when ts9 is not there yet),
so the meters and the spectrum show what they show on stage. Settings live in a temporary
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

from gui_helpers import JackMidiSender  # noqa: E402
from jack_fixtures import jack_server  # noqa: E402

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
        window.browser.open_files([str(TINY)])
        wait_for(lambda: len(window.browser.items()) == (2 if preset == TS9 else 1))
        window.browser.select(preset)
        window.browser.set_slots(list(dict.fromkeys([str(preset), str(TINY)])))
        window.play_preset(preset)
        wait_for(lambda: window.editor.model.effects)
        window.editor.add_effect("NoiseGate")
        window.editor.move(1, -1)
        window.editor.add_effect("Delay")
        window.editor.add_effect("Reverb")
        if preset == TINY:  # tiny is loud: keep it under the ceiling
            window.editor.set_parameter(1, "output_gain_db", -20.0)
        window.start()
        wait_for(lambda: window.running and not window.program_label.text().endswith("…)"))
        QTest.qWait(3000)
        window.grab().save(str(OUT / "main-window.png"))
        window.editor.grab().save(str(OUT / "chain-editor.png"))

        # MIDI learn: a controller's CC 80 becomes "next preset"; then "previous" waits for one
        window.tabs.setCurrentWidget(window.midi_panel)
        panel = window.midi_panel
        sender = JackMidiSender(window.link.engine.state.midi_ports[0])
        panel.learn_buttons[("next_preset", None, None)].click()
        wait_for(lambda: panel.trigger_of(Binding("next_preset")) == "waiting…")
        sender.send(bytes([0xB0, 80, 127]))
        wait_for(lambda: panel.trigger_of(Binding("next_preset")) == "CC 80")
        panel.learn_buttons[("previous_preset", None, None)].click()
        wait_for(lambda: panel.trigger_of(Binding("previous_preset")) == "waiting…")
        QTest.qWait(500)
        window.grab().save(str(OUT / "midi-learn.png"))
        sender.close()
        window.close()
    print("wrote", ", ".join(p.name for p in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
