"""NAM's WaveNet in torch, for training: the maths and weight layout of `neuralfx.nam.wavenet`
(whose numba engine plays what this exports), built from the same .nam config.

Shape:
    forward: (batch, T) → (batch, T − receptive_field + 1): "valid", no padding.
    forward_causal: (batch, T) → (batch, T): silence before t = 0.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from neuralfx.nam.activations import Activation
from neuralfx.nam.fields import Node
from neuralfx.nam.wavenet import (
    ArraySpec,
    ArrayWeights,
    LayerWeights,
    WaveNetModel,
    WaveNetSpec,
    WaveNetWeights,
    pack_weights,
    parse_wavenet_config,
)


def _activation(activation: Activation):
    """The torch function of a NAM activation (those a trainer needs)."""
    name = activation.name
    if name == "Tanh":
        return torch.tanh
    if name == "Sigmoid":
        return torch.sigmoid
    if name == "ReLU":
        return F.relu
    if name == "LeakyReLU" and activation.per_channel is None:
        slope = activation.params[0]
        return lambda z: F.leaky_relu(z, slope)
    if name == "SiLU":
        return F.silu
    if name == "Hardtanh":
        return F.hardtanh
    raise ValueError(f"training with the {name} activation is not supported")


def _conv(out_channels: int, in_channels: int, kernel: int, bias: bool = True) -> nn.Conv1d:
    return nn.Conv1d(in_channels, out_channels, kernel, bias=bias)


class _Array(nn.Module):
    def __init__(self, a: ArraySpec) -> None:
        super().__init__()
        if max(a.groups_input, a.groups_input_mixin, a.layer1x1_groups, a.head1x1_groups) > 1:
            raise ValueError("training grouped convolutions is not supported")
        self.spec = a
        self.rechannel = _conv(a.channels, a.input_size, 1, bias=False)
        self.convs = nn.ModuleList(_conv(a.z_rows(layer), a.channels, layer.kernel_size) for layer in a.layers)
        self.mixins = nn.ModuleList(_conv(a.z_rows(layer), a.condition_size, 1, bias=False) for layer in a.layers)
        self.layer1x1 = nn.ModuleList(_conv(a.channels, a.bottleneck, 1) for _ in a.layers) if a.layer1x1 else None
        self.head1x1 = None
        if a.head1x1_out is not None:
            self.head1x1 = nn.ModuleList(_conv(a.head1x1_out, a.bottleneck, 1) for _ in a.layers)
        self.head = _conv(a.head_size, a.head_inputs, a.head_kernel_size, bias=a.head_bias)
        self._acts = [
            (_activation(layer.activation), layer.secondary and _activation(layer.secondary)) for layer in a.layers
        ]

    def forward(self, u: torch.Tensor, x: torch.Tensor, skip: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """(this array's layer output h, its head output), both as long as the shortest input."""
        a = self.spec
        h = self.rechannel(u)
        for i, layer in enumerate(a.layers):
            z = F.conv1d(h, self.convs[i].weight, self.convs[i].bias, dilation=layer.dilation)
            length = z.shape[-1]
            z = z + self.mixins[i](x[..., -length:])
            act, second = self._acts[i]
            if layer.gating == "none":
                out = act(z)
            elif layer.gating == "gated":
                out = act(z[:, : a.bottleneck]) * second(z[:, a.bottleneck :])
            else:  # blended
                top, alpha = z[:, : a.bottleneck], second(z[:, a.bottleneck :])
                out = alpha * act(top) + (1 - alpha) * top
            if self.layer1x1 is not None:
                h = h[..., -length:] + self.layer1x1[i](out)
            else:
                h = h[..., -length:]
            added = out if self.head1x1 is None else self.head1x1[i](out)
            skip = added if skip is None else skip[..., -length:] + added
        head = F.conv1d(skip, self.head.weight, self.head.bias, dilation=a.head_dilation)
        return h[..., -head.shape[-1] :], head


class NamWaveNet(nn.Module):
    """A NAM WaveNet for a .nam `config` (see the module docstring); `config` is kept as given,
    for the file it is exported to."""

    def __init__(self, config: dict) -> None:
        super().__init__()
        self.config = config
        self.spec: WaveNetSpec = parse_wavenet_config(Node(config, "config"))
        self.arrays = nn.ModuleList(_Array(a) for a in self.spec.arrays)
        self.post_head = None
        if self.spec.head is not None:
            self.post_head = nn.ModuleList(_conv(cout, cin, k) for cout, cin, k in self.spec.head.shapes())
            self._post_act = _activation(self.spec.head.activation)
        self.register_buffer("head_scale", torch.tensor(float(config["head_scale"])))

    @property
    def receptive_field(self) -> int:
        return self.spec.receptive_field

    def forward(self, x: torch.Tensor, knobs: torch.Tensor | None = None) -> torch.Tensor:
        if knobs is not None:
            raise ValueError("NAM's WaveNet takes no knobs")
        condition = x.unsqueeze(1)
        u, head = condition, None
        for array in self.arrays:
            u, head = array(u, condition, head)
        y = self.head_scale * head
        for conv in self.post_head or ():
            y = conv(self._post_act(y))
        return y[:, 0]

    def forward_causal(self, x: torch.Tensor, knobs: torch.Tensor | None = None) -> torch.Tensor:
        return self(F.pad(x, (self.receptive_field - 1, 0)), knobs)

    knobs: tuple = ()

    def describe(self) -> dict:
        return self.spec.summary()

    def config_dict(self) -> dict:
        """The config as the .nam file writes it."""
        return self.config

    def engine_model(self) -> WaveNetModel:
        """Our NAM engine's model with these weights (compiles its kernels on first use)."""
        return WaveNetModel(self.spec, self.flat_weights())

    def flat_weights(self) -> np.ndarray:
        """The .nam file's weight list for the current parameters."""

        def t(tensor: torch.Tensor | None) -> np.ndarray | None:
            return None if tensor is None else tensor.detach().cpu().numpy().astype(np.float32)

        arrays = []
        for array in self.arrays:
            layers = []
            for i in range(len(array.spec.layers)):
                l1 = array.layer1x1[i] if array.layer1x1 is not None else None
                h1 = array.head1x1[i] if array.head1x1 is not None else None
                layers.append(
                    LayerWeights(
                        conv=t(array.convs[i].weight),
                        conv_bias=t(array.convs[i].bias),
                        mixin=t(array.mixins[i].weight)[:, :, 0],
                        layer1x1=None if l1 is None else t(l1.weight)[:, :, 0],
                        layer1x1_bias=None if l1 is None else t(l1.bias),
                        head1x1=None if h1 is None else t(h1.weight)[:, :, 0],
                        head1x1_bias=None if h1 is None else t(h1.bias),
                    )
                )
            arrays.append(
                ArrayWeights(t(array.rechannel.weight)[:, :, 0], layers, t(array.head.weight), t(array.head.bias))
            )
        post = [(t(conv.weight), t(conv.bias)) for conv in self.post_head or ()]
        return pack_weights(self.spec, WaveNetWeights(arrays, post, float(self.head_scale)))
