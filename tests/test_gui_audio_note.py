"""The Audio tab says when the chosen sample rate differs from the rate of the chain's preset."""

from gui_helpers import TIMEOUT_MS, TINY, open_window, play

from neuralfx.preset import load_preset


def test_the_note_names_the_preset_rate(qtbot, tmp_path, monkeypatch):
    window = open_window(qtbot, tmp_path, monkeypatch, rig=False)
    note = window.device_panel.note
    window.override_settings({"sample_rate": 96000})
    assert "resampling" not in note.text()  # no preset in the chain yet
    assert load_preset(TINY).sample_rate == 48000
    play(qtbot, window, TINY)
    expected = "The preset runs at 48 kHz, the rate it was trained at: 96 kHz adds resampling"
    qtbot.waitUntil(lambda: expected in note.text(), timeout=TIMEOUT_MS)
    window.override_settings({"sample_rate": 48000})
    assert "resampling" not in note.text()
    window.editor.remove(0)
    window.override_settings({"sample_rate": 44100})
    assert "resampling" not in note.text()
