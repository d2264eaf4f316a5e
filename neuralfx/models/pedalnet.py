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
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field

import numpy as np

from .pedalnet_stream import PedalNetStream, fold

ARCHITECTURE = "pedalnet_wavenet"


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _pedalnet_dilations() -> tuple[int, ...]:
    return tuple(2**i for i in range(8)) * 3


@dataclass(frozen=True)
class PedalNetConfig:
    """Size of a PedalNet WaveNet. The default is the seed's 24 layers × 16 channels, kernel 3."""

    channels: int = 16
    kernel_size: int = 3
    dilations: tuple[int, ...] = field(default_factory=_pedalnet_dilations)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dilations", tuple(self.dilations))
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
        return shapes

    def num_parameters(self) -> int:
        return sum(math.prod(shape) for shape in self.weight_shapes().values())

    def multiply_adds(self) -> int:
        """Multiply-adds per output sample: each layer's dilated conv and residual, and the mix."""
        c, k = self.channels, self.kernel_size
        convs = sum(2 * c * k * self.layer_inputs(i) for i in range(self.num_layers))
        return convs + (self.num_layers - 1) * c * c + self.num_layers * c

    def to_dict(self) -> dict:
        d = asdict(self)
        d["dilations"] = list(self.dilations)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> PedalNetConfig:
        unknown = set(d) - {"channels", "kernel_size", "dilations"}
        if unknown:
            raise ValueError(f"unknown config fields {sorted(unknown)}")
        missing = {"channels", "kernel_size", "dilations"} - set(d)
        if missing:
            raise ValueError(f"missing config fields {sorted(missing)}")
        if not isinstance(d["dilations"], (list, tuple)):
            raise ValueError(f"dilations must be a list, got {d['dilations']!r}")
        return cls(channels=d["channels"], kernel_size=d["kernel_size"], dilations=tuple(d["dilations"]))


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
        self.parameters = ()

    @functools.cached_property
    def folded(self) -> tuple[list, list, np.ndarray]:
        """The weights in the streaming engine's layout: made once, shared by every stream."""
        return fold(self.config, self.weights)

    def stream(self, settle: bool = True) -> PedalNetStream:
        return PedalNetStream(self, settle=settle)

    def describe(self) -> dict:
        return {
            "architecture": ARCHITECTURE,
            "config": self.config.to_dict(),
            "parameters": self.num_parameters,
            "receptive_field": self.config.receptive_field,
            "multiply_adds_per_sample": self.multiply_adds,
        }


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
