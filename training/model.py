"""The PedalNet WaveNet in torch: the training model and the reference for the numpy engine.

Same topology and weight names as `neuralfx.models.wavenet` (see its docstring).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from neuralfx.models.wavenet import WaveNetConfig, validate_weights


class _Layer(nn.Module):
    def __init__(self, inputs: int, channels: int, kernel_size: int, dilation: int, residual: bool) -> None:
        super().__init__()
        self.dilation = dilation
        self.conv = nn.Conv1d(inputs, 2 * channels, kernel_size, dilation=dilation)
        self.residual = nn.Conv1d(channels, channels, 1) if residual else None


class PedalNet(nn.Module):
    """PedalNet WaveNet.

    Shape:
        forward: (batch, T) → (batch, T − receptive_field + 1): "valid", no padding.
        forward_causal: (batch, T) → (batch, T): silence before t = 0.
    """

    def __init__(self, config: WaveNetConfig | None = None) -> None:
        super().__init__()
        self.config = config or WaveNetConfig()
        c, k = self.config.channels, self.config.kernel_size
        last = self.config.num_layers - 1
        self.layers = nn.ModuleList(
            _Layer(self.config.layer_inputs(i), c, k, d, residual=i < last) for i, d in enumerate(self.config.dilations)
        )
        self.mix = nn.Conv1d(c * self.config.num_layers, 1, 1)

    @property
    def receptive_field(self) -> int:
        return self.config.receptive_field

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = self.config.channels
        h = x.unsqueeze(1)
        gated = []
        for layer in self.layers:
            z = layer.conv(h)
            a = torch.tanh(z[:, :c]) * torch.sigmoid(z[:, c:])
            gated.append(a)
            if layer.residual is not None:
                h = h[..., h.shape[-1] - a.shape[-1] :] + layer.residual(a)
        length = gated[-1].shape[-1]
        y = self.mix(torch.cat([a[..., a.shape[-1] - length :] for a in gated], dim=1))
        return y.squeeze(1)

    def forward_causal(self, x: torch.Tensor) -> torch.Tensor:
        return self(F.pad(x, (self.receptive_field - 1, 0)))

    def to_weights(self) -> dict[str, np.ndarray]:
        """Weights in the preset layout (float32 numpy arrays)."""
        shapes = self.config.weight_shapes()
        state = self.state_dict()
        return {
            name: state[name].detach().cpu().numpy().reshape(shape).astype(np.float32) for name, shape in shapes.items()
        }

    @classmethod
    def from_weights(cls, config: WaveNetConfig, weights: dict[str, np.ndarray]) -> PedalNet:
        model = cls(config)
        weights = validate_weights(config, weights)
        state = model.state_dict()
        model.load_state_dict({name: torch.from_numpy(weights[name]).reshape(state[name].shape) for name in state})
        return model
