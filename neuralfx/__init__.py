"""neuralfx: neural guitar-pedal emulation with Spotify pedalboard's effect contract.

    >>> import neuralfx
    >>> pedal = neuralfx.NeuralPedal.from_preset("ts9")
    >>> out = pedal(audio, 48000)            # (channels, samples) or (samples,), float32

Importing neuralfx loads numpy, pedalboard and soundfile only: never torch, Qt or MIDI.
"""

from .chain import Chain
from .models import PedalNetConfig, PedalNetStream
from .pedal import NeuralPedal
from .preset import Preset, PresetError, PresetMetadata, list_presets, load_preset, save_preset

__version__ = "0.1.0"

__all__ = [
    "Chain",
    "NeuralPedal",
    "PedalNetConfig",
    "PedalNetStream",
    "Preset",
    "PresetError",
    "PresetMetadata",
    "__version__",
    "list_presets",
    "load_preset",
    "save_preset",
]
