"""The live engine: an audio stream in its own process, driven through `LiveEngine`.

Importing this package loads neither sounddevice nor mido: the engine process and the device
functions import them when they run. See docs/engine-interface.md.
"""

from .controller import LiveEngine
from .devices import AudioDevice, host_apis, list_devices, list_midi_ports
from .events import EngineError, EngineEvent, EngineState
from .meters import SILENCE_DB, Meters
from .settings import EngineSettings

__all__ = [
    "SILENCE_DB",
    "AudioDevice",
    "EngineError",
    "EngineEvent",
    "EngineSettings",
    "EngineState",
    "LiveEngine",
    "Meters",
    "host_apis",
    "list_devices",
    "list_midi_ports",
]
