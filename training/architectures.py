"""The networks `neuralfx train --architecture NAME` trains.

`pedalnet` is neuralfx's gated WaveNet (sized by --channels, --kernel-size, --dilation-depth and
--repeats; it alone takes knobs). The others are NAM's fixed shapes, written as `.nam` files that
NAM's plugin plays: the classic ("A1") WaveNets of NAM's trainer, standard to nano, and the 2026
A2 WaveNet at its two sizes. Their configs are NAM's, key for key.

Imports no torch: the `neuralfx` command lists these names in its help.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from neuralfx.models.pedalnet import Knob

    from .model import PedalNet
    from .nam_model import NamWaveNet
    from .settings import TrainSettings

    Network = PedalNet | NamWaveNet

PEDALNET = "pedalnet"

_DOUBLING = [2**i for i in range(10)]  # 1 … 512
_A2_DILATIONS = [1, 3, 7, 17, 41, 101, 239]


def _a1(channels: int, head: int, first: list[int], second: list[int]) -> dict:
    """A classic NAM WaveNet: two arrays of kernel-3 Tanh layers, the second half as wide."""

    def array(input_size: int, width: int, head_size: int, dilations: list[int], head_bias: bool) -> dict:
        return {
            "input_size": input_size,
            "condition_size": 1,
            "channels": width,
            "head_size": head_size,
            "kernel_size": 3,
            "dilations": dilations,
            "activation": "Tanh",
            "gated": False,
            "head_bias": head_bias,
        }

    layers = [array(1, channels, head, first, False), array(channels, channels // 2, 1, second, True)]
    return {"layers": layers, "head": None, "head_scale": 0.02}


def _a2(channels: int) -> dict:
    """NAM's A2 WaveNet: one array of 23 LeakyReLU layers, a kernel-16 head after it."""
    dilations = _A2_DILATIONS * 2 + [1, 13] + _A2_DILATIONS
    kernel_sizes = [6] * 14 + [15, 15] + [6] * 7
    count = len(dilations)
    off = {"active": False, "shift": True, "groups": 1}
    films = ("conv_pre", "conv_post", "input_mixin_pre", "input_mixin_post", "activation_pre", "activation_post")
    array = {
        "input_size": 1,
        "condition_size": 1,
        "head": {"out_channels": 1, "kernel_size": 16, "bias": True},
        "channels": channels,
        "kernel_sizes": kernel_sizes,
        "dilations": dilations,
        "activation": [{"type": "LeakyReLU", "negative_slope": 0.01}] * count,
        "bottleneck": channels,
        "head1x1": {"active": False, "out_channels": 1, "groups": 1},
        "layer1x1": {"active": True, "groups": 1},
        "groups_input": 1,
        "groups_input_mixin": 1,
        **{f"{name}_film": off for name in (*films, "layer1x1_post", "head1x1_post")},
        "gating_mode": ["none"] * count,
        "secondary_activation": [None] * count,
        "slimmable": None,
    }
    return {"layers": [array], "head": None, "head_scale": 0.01}


NAM_CONFIGS: dict[str, dict] = {
    "nam-standard": _a1(16, 8, _DOUBLING, _DOUBLING),
    "nam-lite": _a1(12, 6, _DOUBLING[:7], _DOUBLING[7:] + _DOUBLING),
    "nam-feather": _a1(8, 4, _DOUBLING[:7], _DOUBLING[7:] + _DOUBLING),
    "nam-nano": _a1(4, 2, _DOUBLING[:7], _DOUBLING[7:] + _DOUBLING),
    "nam-a2-lite": _a2(3),
    "nam-a2-full": _a2(8),
}
"""The .nam `config` of each NAM architecture."""

ARCHITECTURES = (PEDALNET, *NAM_CONFIGS)


def check_architecture(name: str) -> None:
    if name not in ARCHITECTURES:
        raise ValueError(f"--architecture must be one of {', '.join(ARCHITECTURES)}, got {name!r}")


def output_suffixes(name: str) -> tuple[str, ...]:
    """The preset files an architecture may be written as, the default first: NAM's shapes only as .nam."""
    return (".nfx", ".nam") if name == PEDALNET else (".nam",)


def check_output(path: Path, name: str) -> None:
    """Raise ValueError unless `path` is a file architecture `name` may be written as."""
    suffixes = output_suffixes(name)
    if path.suffix.lower() not in suffixes:
        raise ValueError(f"{path}: a {name} preset is written as {' or '.join(suffixes)}")


def build_network(settings: TrainSettings, knobs: tuple[Knob, ...] = ()) -> Network:
    """The torch network `settings` train, freshly initialised (seeded by the caller)."""
    if settings.architecture == PEDALNET:
        from .model import PedalNet

        return PedalNet(settings.model_config(knobs))
    if knobs:
        raise ValueError(f"{settings.architecture} takes no knobs: train a pedal's knobs with --architecture pedalnet")
    from .nam_model import NamWaveNet

    return NamWaveNet(NAM_CONFIGS[settings.architecture])
