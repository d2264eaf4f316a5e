"""Importing the engine's controller side or the MIDI map loads no audio, MIDI, GUI or torch library."""

import subprocess
import sys


def test_engine_and_midi_import_without_heavy_dependencies():
    code = (
        "import sys, neuralfx.engine, neuralfx.midi, neuralfx.engine.cli; "
        "print(sorted(m for m in ('sounddevice', 'mido', 'rtmidi', 'jack', 'torch', 'PyQt6') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
