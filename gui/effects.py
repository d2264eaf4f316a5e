"""The effects the chain editor offers, and the range and unit of each of their parameters.

No Qt here. Parameters are those `Chain.to_dict()` saves (`neuralfx.chain.settable_parameters`);
this module only adds what the classes do not say: a sensible range, a unit, whether the control
is logarithmic, and defaults that do something.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pedalboard

from neuralfx.chain import Chain, settable_parameters
from neuralfx.midi import PARAMETER_RANGES
from neuralfx.models import ModelParameter

from .preset_info import control_label

EFFECTS: dict[str, str] = {
    "NoiseGate": "Noise gate",
    "Compressor": "Compressor",
    "HighpassFilter": "High-pass filter",
    "LowpassFilter": "Low-pass filter",
    "LowShelfFilter": "Low shelf",
    "PeakFilter": "Peak EQ",
    "HighShelfFilter": "High shelf",
    "Gain": "Gain",
    "Distortion": "Distortion",
    "Clipping": "Clipper",
    "Bitcrush": "Bitcrusher",
    "Chorus": "Chorus",
    "Phaser": "Phaser",
    "Delay": "Delay",
    "Reverb": "Reverb",
    "Limiter": "Limiter",
}
"""pedalboard plugin class → display name, in the order the "Add effect" menu lists them."""

NEURAL_LABEL = "Neural pedal"
CABINET = "Convolution"
CABINET_LABEL = "Cabinet (IR)"
"""pedalboard's Convolution plays an impulse response file: a speaker cabinet after an amp capture."""


@dataclass(frozen=True)
class ParameterSpec:
    """How to show one parameter.

    Args:
        name: the attribute (pedalboard) or parameter (neural pedal) name, as the engine takes it.
        label: what the control is called.
        minimum, maximum: the range, in the engine's units.
        unit: shown after the value ("dB", "ms", "Hz", "%"...).
        scale: displayed value = engine value × scale (fractions 0..1 show as 0..100 %).
        logarithmic: the knob moves in equal ratios (frequencies, times).
        default: the value a double-click on the knob returns to (None: none).
    """

    name: str
    label: str
    minimum: float
    maximum: float
    unit: str = ""
    scale: float = 1.0
    logarithmic: bool = False
    default: float | None = None

    def clamp(self, value: float) -> float:
        return min(self.maximum, max(self.minimum, float(value)))

    def to_position(self, value: float, steps: int) -> int:
        """The knob position (0..steps) of `value`."""
        low, high, value = self.minimum, self.maximum, self.clamp(value)
        if self.logarithmic:
            low, high, value = math.log(low), math.log(high), math.log(value)
        return round((value - low) / (high - low) * steps)

    def from_position(self, position: int, steps: int) -> float:
        fraction = position / steps
        if self.logarithmic:
            return math.exp(math.log(self.minimum) + fraction * (math.log(self.maximum) - math.log(self.minimum)))
        return self.minimum + fraction * (self.maximum - self.minimum)


# name → (minimum, maximum, unit, scale, logarithmic). pedalboard names its parameters
# consistently across plugins, so one entry serves every plugin that has the parameter.
_RANGES: dict[str, tuple[float, float, str, float, bool]] = {
    "threshold_db": (-80.0, 0.0, "dB", 1.0, False),
    "ratio": (1.0, 20.0, ":1", 1.0, True),
    "attack_ms": (0.1, 200.0, "ms", 1.0, True),
    "release_ms": (5.0, 2000.0, "ms", 1.0, True),
    "cutoff_frequency_hz": (20.0, 20000.0, "Hz", 1.0, True),
    "centre_frequency_hz": (100.0, 10000.0, "Hz", 1.0, True),
    "gain_db": (-24.0, 24.0, "dB", 1.0, False),
    "q": (0.1, 10.0, "", 1.0, True),
    "drive_db": (0.0, 60.0, "dB", 1.0, False),
    "bit_depth": (2.0, 16.0, "bits", 1.0, False),
    "rate_hz": (0.05, 10.0, "Hz", 1.0, True),
    "centre_delay_ms": (1.0, 30.0, "ms", 1.0, False),
    "delay_seconds": (0.01, 2.0, "ms", 1000.0, True),
    "feedback": (0.0, 0.95, "%", 100.0, False),
    "depth": (0.0, 1.0, "%", 100.0, False),
    "mix": (0.0, 1.0, "%", 100.0, False),
    "room_size": (0.0, 1.0, "%", 100.0, False),
    "damping": (0.0, 1.0, "%", 100.0, False),
    "wet_level": (0.0, 1.0, "%", 100.0, False),
    "dry_level": (0.0, 1.0, "%", 100.0, False),
    "width": (0.0, 1.0, "%", 100.0, False),
    "freeze_mode": (0.0, 1.0, "%", 100.0, False),
}

# pedalboard's defaults are sometimes a no-op (a 1:1 compressor, a gate at -100 dB, a 50 Hz
# low-pass): a freshly added effect should do something audible and musical.
_DEFAULTS: dict[str, dict[str, float]] = {
    "NoiseGate": {"threshold_db": -60.0, "ratio": 10.0, "release_ms": 150.0},
    "Compressor": {"threshold_db": -20.0, "ratio": 4.0, "attack_ms": 5.0, "release_ms": 150.0},
    "HighpassFilter": {"cutoff_frequency_hz": 80.0},
    "LowpassFilter": {"cutoff_frequency_hz": 6000.0},
    "Gain": {"gain_db": 0.0},
    "Distortion": {"drive_db": 15.0},
    "Chorus": {"mix": 0.4},
    "Delay": {"delay_seconds": 0.35, "feedback": 0.3, "mix": 0.25},
    "Reverb": {"room_size": 0.4, "wet_level": 0.2, "dry_level": 0.8},
    "Limiter": {"threshold_db": -3.0},
}

_NEURAL_LABELS = {"input_gain_db": "Input gain", "output_gain_db": "Output level", "mix": "Mix"}
_LABELS = {"cutoff_frequency_hz": "Cutoff", "centre_frequency_hz": "Frequency", **_NEURAL_LABELS}


def parameter_specs(class_name: str) -> list[ParameterSpec]:
    """The controls of a pedalboard plugin class. Parameters without a known range (an enum such
    as LadderFilter's mode, in a chain made elsewhere) get none: they keep their value."""
    names = settable_parameters(getattr(pedalboard, class_name))
    defaults = _DEFAULTS.get(class_name, {})
    return [
        ParameterSpec(name, _label(name), *_RANGES[name], default=defaults.get(name))
        for name in names
        if name in _RANGES
    ]


def neural_specs(controls: tuple[ModelParameter, ...] = ()) -> list[ParameterSpec]:
    """The neural pedal's controls (its bypass is the card's on/off switch), then its model's own
    (`NeuralPedal.model_parameters`: the pedal's dials, a NAM file's size)."""
    units = {"input_gain_db": ("dB", 1.0, 0.0), "output_gain_db": ("dB", 1.0, 0.0), "mix": ("%", 100.0, 1.0)}
    fixed = [
        ParameterSpec(name, _NEURAL_LABELS[name], *PARAMETER_RANGES[name], *units[name][:2], default=units[name][2])
        for name in _NEURAL_LABELS
    ]
    own = [
        ParameterSpec(c.name, control_label(c.name), c.minimum, c.maximum, c.unit, default=c.default) for c in controls
    ]
    return fixed + own


def specs_for(entry: dict, controls: tuple[ModelParameter, ...] = ()) -> list[ParameterSpec]:
    """The controls of a chain entry: a neural pedal (with its model's `controls`), a native plugin
    or a VST3 (raw 0..1 values)."""
    if entry["type"] == "neural":
        return neural_specs(controls)
    if entry["type"] == "native":
        return parameter_specs(entry["class"])
    return [ParameterSpec(name, name, 0.0, 1.0) for name in entry.get("parameters", {})]


def impulse_response_entry(path: str, mix: float = 1.0) -> dict[str, Any]:
    """A chain-file entry for a cabinet: pedalboard's Convolution playing the impulse response at `path`."""
    return {"type": "native", "class": CABINET, "parameters": {"mix": mix, "impulse_response_filename": str(path)}}


def new_effect_entry(class_name: str) -> dict[str, Any]:
    """A chain-file entry (`Chain.to_dict()` format) for a newly added effect, with our defaults."""
    entry = Chain([getattr(pedalboard, class_name)()]).to_dict()["effects"][0]
    entry["parameters"].update(_DEFAULTS.get(class_name, {}))
    return entry


def effect_label(entry: dict) -> str:
    """A card title for a chain entry."""
    if entry["type"] == "native":
        return CABINET_LABEL if entry["class"] == CABINET else EFFECTS.get(entry["class"], entry["class"])
    if entry["type"] == "plugin":
        return entry["path"].rstrip("/").rsplit("/", 1)[-1]
    return NEURAL_LABEL


def _label(name: str) -> str:
    if name in _LABELS:
        return _LABELS[name]
    words = name.split("_")
    if words[-1] in ("db", "ms", "hz", "seconds", "mode"):
        words = words[:-1]
    text = " ".join(words)
    return text.upper() if len(text) == 1 else text.capitalize()
