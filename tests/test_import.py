"""`import neuralfx` stays light: no torch, Qt, MIDI, audio-device or Dask libraries, no numba or scipy."""

import json
import subprocess
import sys

HEAVY = ["torch", "PyQt6", "mido", "rtmidi", "sounddevice", "matplotlib", "scipy", "numba", "dask", "distributed"]
HEAVY += ["neuralfx_training", "neuralfx_gui"]


def test_import_neuralfx_loads_no_heavy_modules():
    code = (
        "import sys, json, neuralfx, neuralfx.cli, neuralfx.loudness, neuralfx.nam; "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert loaded == []
