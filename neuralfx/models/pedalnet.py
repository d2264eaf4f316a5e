"""The PedalNet WaveNet (Wright et al. 2020, teddykoker/pedalnet) as a plain parameter set.

Topology, for layer i with dilation d_i (K = kernel_size, C = channels):

    z_i = Σ_k W_i[:, :, k] · h_i[t − (K−1−k)·d_i] + b_i          (2C outputs: C filter, C gate)
    a_i = tanh(z_i[:C]) · σ(z_i[C:])                                 (gated activation)
    h_{i+1} = h_i + R_i · a_i + r_i                                  (1×1 residual)
    y = m · concat(a_0, …, a_{L−1}) + m_bias                         (1×1 mix over every layer's output)

The first layer reads the 1-channel input directly (h_0 = x, as in the seed) and its residual
broadcasts x onto the C channels. A 1×1 input conv would only add a per-channel scale to that
broadcast, so the seed's cheaper form is kept. The last layer has no residual: nothing reads it.
The network is causal and sees silence before t = 0.

A network with knobs (the dials of the pedal it models) takes their positions, scaled to 0..1 as
k, through a small conditioning network that sets each layer's pre-activation (FiLM):

    e = tanh(H · k + h_bias)                                        (conditioning width W)
    [g_0 … g_{L−1}, s_0 … s_{L−1}] = O · e + o_bias                   (per layer, 2C each)
    z_i ← (1 + g_i) ⊙ z_i + s_i                                       ("film"; "bias" has only s_i)

While the knobs stand still, g and s depend on nothing else, so a streaming engine folds them into
each layer's conv weights and bias: the knobs cost nothing then.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field

import numpy as np

from .base import ModelParameter
from .pedalnet_stream import PedalNetStream, fold

ARCHITECTURE = "pedalnet_wavenet"


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _pedalnet_dilations() -> tuple[int, ...]:
    return tuple(2**i for i in range(8)) * 3


CONDITIONINGS = ("film", "bias")


@dataclass(frozen=True)
class Knob:
    """A dial of the modelled pedal that the network takes as an input.

    Attributes:
        name: after pedalboard's conventions ("drive", "tone").
        minimum, maximum, default: the dial's range and its default, on the pedal's own scale.
        unit: "" for a dial position (0-10), else the unit of the values.
        trained: the positions captured for training (the grid).
    """

    name: str
    minimum: float
    maximum: float
    default: float
    unit: str = ""
    trained: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "trained", tuple(float(v) for v in self.trained))
        if not (isinstance(self.name, str) and self.name.isidentifier()):
            raise ValueError(f"a knob's name must be an identifier such as 'drive', got {self.name!r}")
        for value in (self.minimum, self.maximum, self.default, *self.trained):
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"knob {self.name!r}: its range and positions must be finite numbers")
        if not self.minimum < self.maximum or not self.minimum <= self.default <= self.maximum:
            raise ValueError(f"knob {self.name!r}: needs minimum < maximum and the default between them")
        for name in ("minimum", "maximum", "default"):
            object.__setattr__(self, name, float(getattr(self, name)))

    def scaled(self, value: float) -> float:
        """The position as the network sees it: 0 at the minimum, 1 at the maximum."""
        return (value - self.minimum) / (self.maximum - self.minimum)


@dataclass(frozen=True)
class PedalNetConfig:
    """Size of a PedalNet WaveNet. The default is the seed's 24 layers × 16 channels, kernel 3."""

    channels: int = 16
    kernel_size: int = 3
    dilations: tuple[int, ...] = field(default_factory=_pedalnet_dilations)
    knobs: tuple[Knob, ...] = ()
    conditioning: str = "film"
    conditioning_width: int = 16

    def __post_init__(self) -> None:
        object.__setattr__(self, "dilations", tuple(self.dilations))
        object.__setattr__(self, "knobs", tuple(k if isinstance(k, Knob) else Knob(**k) for k in self.knobs))
        if len({k.name for k in self.knobs}) != len(self.knobs):
            raise ValueError(f"knob names must differ, got {[k.name for k in self.knobs]}")
        if self.conditioning not in CONDITIONINGS:
            raise ValueError(f"conditioning must be one of {', '.join(CONDITIONINGS)}, got {self.conditioning!r}")
        if not _is_positive_int(self.conditioning_width):
            raise ValueError(f"conditioning_width must be a positive integer, got {self.conditioning_width!r}")
        if not _is_positive_int(self.channels):
            raise ValueError(f"channels must be a positive integer, got {self.channels!r}")
        if not _is_positive_int(self.kernel_size):
            raise ValueError(f"kernel_size must be a positive integer, got {self.kernel_size!r}")
        if not self.dilations or not all(_is_positive_int(d) for d in self.dilations):
            raise ValueError(f"dilations must be a non-empty list of positive integers, got {self.dilations!r}")

    @property
    def num_layers(self) -> int:
        return len(self.dilations)

    @property
    def receptive_field(self) -> int:
        """Samples of input that one output sample depends on (1,531 for the default)."""
        return 1 + (self.kernel_size - 1) * sum(self.dilations)

    def layer_inputs(self, layer: int) -> int:
        """Channels that layer `layer` convolves: 1 for the first layer, C after it."""
        return 1 if layer == 0 else self.channels

    def weight_shapes(self) -> dict[str, tuple[int, ...]]:
        """Name → shape of every weight tensor, in file order."""
        c, k = self.channels, self.kernel_size
        shapes: dict[str, tuple[int, ...]] = {}
        for i in range(self.num_layers):
            shapes[f"layers.{i}.conv.weight"] = (2 * c, self.layer_inputs(i), k)
            shapes[f"layers.{i}.conv.bias"] = (2 * c,)
            if i < self.num_layers - 1:
                shapes[f"layers.{i}.residual.weight"] = (c, c)
                shapes[f"layers.{i}.residual.bias"] = (c,)
        shapes["mix.weight"] = (c * self.num_layers,)
        shapes["mix.bias"] = (1,)
        if self.knobs:
            width, outputs = self.conditioning_width, self.num_layers * self.modulations_per_layer
            shapes["conditioning.hidden.weight"] = (width, len(self.knobs))
            shapes["conditioning.hidden.bias"] = (width,)
            shapes["conditioning.output.weight"] = (outputs, width)
            shapes["conditioning.output.bias"] = (outputs,)
        return shapes

    @property
    def modulations_per_layer(self) -> int:
        """Conditioning outputs per layer: gains and shifts (film) or shifts (bias) of its 2C rows."""
        return (4 if self.conditioning == "film" else 2) * self.channels

    def num_parameters(self) -> int:
        return sum(math.prod(shape) for shape in self.weight_shapes().values())

    def multiply_adds(self) -> int:
        """Multiply-adds per output sample: each layer's dilated conv and residual, and the mix."""
        c, k = self.channels, self.kernel_size
        convs = sum(2 * c * k * self.layer_inputs(i) for i in range(self.num_layers))
        return convs + (self.num_layers - 1) * c * c + self.num_layers * c

    def describe(self) -> dict:
        """What a report or `neuralfx presets` says of a model of this config."""
        return {
            "architecture": ARCHITECTURE,
            "config": self.to_dict(),
            "parameters": self.num_parameters(),
            "receptive_field": self.receptive_field,
            "multiply_adds_per_sample": self.multiply_adds(),
            **({"knobs": [knob.name for knob in self.knobs]} if self.knobs else {}),
        }

    def to_dict(self) -> dict:
        """JSON-ready; a network without knobs is written as before knobs existed."""
        d = {"channels": self.channels, "kernel_size": self.kernel_size, "dilations": list(self.dilations)}
        if self.knobs:
            knobs = [asdict(k) | {"trained": list(k.trained)} for k in self.knobs]
            d |= {"knobs": knobs, "conditioning": self.conditioning, "conditioning_width": self.conditioning_width}
        return d

    @classmethod
    def from_dict(cls, d: dict) -> PedalNetConfig:
        required, optional = {"channels", "kernel_size", "dilations"}, {"knobs", "conditioning", "conditioning_width"}
        unknown = set(d) - required - optional
        if unknown:
            raise ValueError(f"unknown config fields {sorted(unknown)}")
        missing = required - set(d)
        if missing:
            raise ValueError(f"missing config fields {sorted(missing)}")
        if not isinstance(d["dilations"], list | tuple):
            raise ValueError(f"dilations must be a list, got {d['dilations']!r}")
        knobs = d.get("knobs", [])
        if not (isinstance(knobs, list) and all(isinstance(k, dict) for k in knobs)):
            raise ValueError("knobs must be a list of objects (name, minimum, maximum, default, unit, trained)")
        try:
            knobs = tuple(Knob(**k) for k in knobs)
        except TypeError as exc:
            raise ValueError(f"a knob has unknown or missing fields ({exc})") from None
        extra = {key: d[key] for key in ("conditioning", "conditioning_width") if key in d}
        return cls(d["channels"], d["kernel_size"], tuple(d["dilations"]), knobs, **extra)


class PedalNetModel:
    """A PedalNet ready to play: its config and checked float32 weights (see `Model`).

    Raises ValueError naming the first offending tensor.
    """

    architecture = ARCHITECTURE

    def __init__(self, config: PedalNetConfig, weights: dict[str, np.ndarray]) -> None:
        self.config = config
        self.weights = validate_weights(config, weights)
        self.memory_samples = config.receptive_field - 1
        self.settle_samples = self.memory_samples
        self.num_parameters = config.num_parameters()
        self.multiply_adds = config.multiply_adds()
        self.parameters = tuple(
            ModelParameter(k.name, k.minimum, k.maximum, k.default, k.unit, f"the pedal's {k.name} dial")
            for k in config.knobs
        )

    @functools.cached_property
    def folded(self) -> tuple[list, list, np.ndarray]:
        """The weights in the streaming engine's layout: made once, shared by every stream."""
        return fold(self.config, self.weights)

    def modulation(self, knob_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each layer's conditioning at these knob positions (the pedal's scale, in config order),
        in the streaming engine's row order [gate; filter]: (gains (L, 2C), shifts (L, 2C)), the
        gate's shift halved as the engine's gate rows are (see pedalnet_stream)."""
        config, w = self.config, self.weights
        c, layers = config.channels, config.num_layers
        k = np.array([knob.scaled(v) for knob, v in zip(config.knobs, knob_values, strict=True)])
        e = np.tanh(w["conditioning.hidden.weight"].astype(np.float64) @ k + w["conditioning.hidden.bias"])
        out = w["conditioning.output.weight"].astype(np.float64) @ e + w["conditioning.output.bias"]
        out = out.reshape(layers, -1)
        gains = 1.0 + out[:, : 2 * c] if config.conditioning == "film" else np.ones((layers, 2 * c))
        shifts = out[:, -2 * c :]
        engine_rows = np.r_[c : 2 * c, 0:c]  # torch's [filter; gate] → the engine's [gate; filter]
        shifts = shifts[:, engine_rows] * np.r_[np.full(c, 0.5), np.ones(c)]
        return gains[:, engine_rows].astype(np.float32), shifts.astype(np.float32)

    def stream(self, settle: bool = True) -> PedalNetStream:
        return PedalNetStream(self, settle=settle)

    def describe(self) -> dict:
        return self.config.describe()


def validate_weights(config: PedalNetConfig, weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Check names, shapes and finiteness; return float32 copies in file order.

    Raises ValueError naming the first offending tensor.
    """
    expected = config.weight_shapes()
    missing = [name for name in expected if name not in weights]
    if missing:
        raise ValueError(f"missing weight {missing[0]!r} ({len(missing)} missing in all)")
    extra = sorted(set(weights) - set(expected))
    if extra:
        raise ValueError(f"unexpected weight {extra[0]!r}: it does not belong to this model config")
    checked = {}
    for name, shape in expected.items():
        w = np.asarray(weights[name])
        if w.shape != shape:
            raise ValueError(f"weight {name!r} has shape {w.shape}, expected {shape}")
        if not np.all(np.isfinite(w)):
            raise ValueError(f"weight {name!r} contains NaN or Inf values")
        checked[name] = np.array(w, dtype=np.float32)
    return checked
