"""Settings survive a restart of the app: devices, MIDI, slots, the chain (switched-off effects
included), the MIDI map and the window. They live in the QSettings file given to the window."""

import json

from gui_helpers import TINY, open_window, settings_store

from neuralfx.engine import EngineSettings
from neuralfx.midi import Binding, MidiMap
from neuralfx_gui.effects import new_effect_entry


def test_settings_come_back(qtbot, tmp_path, monkeypatch):
    window = open_window(qtbot, tmp_path, monkeypatch, rig=False)
    window.override_settings({"host_api": "alsa", "sample_rate": 96000, "block_size": 64, "input_channel": 1})
    window.device_panel.input_file.setText("/music/di.wav")
    window.device_panel.use_file.setChecked(True)
    window.midi_panel.port.setCurrentText("Launch Control")
    window.midi_panel.own_port.setText("pedal")
    learned = MidiMap(
        [Binding("toggle_bypass", momentary=True, control=80), Binding("select_preset", program=5, slot=1)], channel=3
    )
    window.midi_panel.map_changed.emit(learned.to_dict())  # as after MIDI learn or a Clear
    window.browser.set_slots([str(TINY), "ts9"])
    window.editor.play_preset({"type": "neural", "preset": str(TINY), "parameters": {"mix": 0.5}})
    window.editor.add_effect("Delay")
    window.editor.switch(1, False)
    window.resize(760, 560)  # inside the offscreen screen (800 × 800)
    window.split.setSizes([200, 400, 140])
    window.center.setSizes([300, 200])
    splitters = window.split.sizes(), window.center.sizes()
    window.save_settings()
    window.close()

    again = open_window(qtbot, tmp_path, monkeypatch, rig=False)
    settings = again.engine_settings()
    assert (settings.host_api, settings.input_file) == ("alsa", "/music/di.wav")
    assert (settings.sample_rate, settings.block_size, settings.input_channel) == (96000, 64, 1)
    assert (settings.midi_port, settings.midi_virtual_port) == ("Launch Control", "pedal")
    assert settings.presets == [str(TINY), "ts9"]
    assert settings.midi_map == learned.to_dict() == again.midi_map
    assert again.midi_panel.trigger_of(Binding("toggle_bypass", momentary=True)) == "CC 80"
    assert [(e.entry, e.switched_off) for e in again.editor.model.effects] == [
        ({"type": "neural", "preset": str(TINY), "parameters": {"mix": 0.5}}, False),
        (new_effect_entry("Delay"), True),
    ]
    assert settings.chain_dict["effects"] == [again.editor.model.effects[0].entry]  # the engine plays what is on
    assert (again.width(), again.height()) == (760, 560)
    assert (again.split.sizes(), again.center.sizes()) == splitters


def test_damaged_settings_fall_back_to_defaults(qtbot, tmp_path, monkeypatch):
    store = settings_store(tmp_path)
    store.setValue("engine", json.dumps({"block_size": 3, "sample_rate": "fast"}))
    store.setValue("chain_editor", "{not json")
    store.sync()
    window = open_window(qtbot, tmp_path, monkeypatch, rig=False)
    settings = window.engine_settings()
    assert settings.block_size == EngineSettings().block_size and settings.sample_rate is None
    assert window.editor.model.effects == []
    assert window.midi_map == MidiMap.default().to_dict()
