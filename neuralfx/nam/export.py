"""A neuralfx PedalNet preset as a NAM file, exactly: `neuralfx export-nam PRESET -o x.nam`.

NAM's WaveNet keys of format 0.6/0.7 express the PedalNet: one layer array of C channels, each
layer gated (tanh · sigmoid of the conv's two halves), its 1×1 residual as `layer1x1`, and the
PedalNet's mix over every layer's output as a per-layer `head1x1` to one channel, summed. The
first layer, which reads the mono input directly, becomes a conv over the input rechannelled onto
C equal channels, with its weights on the first of them. NAM's head is then a 1×1 conv of weight
1 carrying the mix's bias, and head_scale is 1.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ..fileio import same_file
from ..models.pedalnet import PedalNetModel
from ..preset import Preset, PresetError, load_preset
from .fields import Node
from .wavenet import ArrayWeights, LayerWeights, WaveNetWeights, pack_weights, parse_wavenet_config
from .writer import A2_VERSION, nam_document, write_nam


def pedalnet_config(model: PedalNetModel) -> dict:
    """The NAM WaveNet config of a PedalNet (see the module docstring)."""
    config = model.config
    layers = config.num_layers
    array = {
        "input_size": 1,
        "condition_size": 1,
        "channels": config.channels,
        "bottleneck": config.channels,
        "kernel_size": config.kernel_size,
        "dilations": list(config.dilations),
        "activation": "Tanh",
        "gating_mode": ["gated"] * layers,
        "secondary_activation": ["Sigmoid"] * layers,
        "layer1x1": {"active": True, "groups": 1},
        "head1x1": {"active": True, "out_channels": 1, "groups": 1},
        "head_size": 1,
        "head_bias": True,
    }
    return {"layers": [array], "head": None, "head_scale": 1.0}


def pedalnet_weights(model: PedalNetModel) -> WaveNetWeights:
    """The PedalNet's weights in NAM's layout for `pedalnet_config`."""
    config, w = model.config, model.weights
    c, k = config.channels, config.kernel_size
    mix = w["mix.weight"].reshape(config.num_layers, c)
    layers = []
    for i in range(config.num_layers):
        conv = np.zeros((2 * c, c, k), np.float32)
        conv[:, : config.layer_inputs(i)] = w[f"layers.{i}.conv.weight"]  # the first reads channel 0 only
        last = i == config.num_layers - 1  # nothing reads the last layer's residual: a zero one
        residual = np.zeros((c, c), np.float32) if last else w[f"layers.{i}.residual.weight"]
        residual_bias = np.zeros(c, np.float32) if last else w[f"layers.{i}.residual.bias"]
        layers.append(
            LayerWeights(
                conv=conv,
                conv_bias=w[f"layers.{i}.conv.bias"],
                mixin=np.zeros((2 * c, 1), np.float32),
                layer1x1=residual,
                layer1x1_bias=residual_bias,
                head1x1=mix[i][None, :],
                head1x1_bias=np.zeros(1, np.float32),
            )
        )
    head = np.ones((1, 1, 1), np.float32)
    array = ArrayWeights(np.ones((c, 1), np.float32), layers, head, w["mix.bias"].astype(np.float32))
    return WaveNetWeights([array], [], 1.0)


def nam_file_of(preset: Preset) -> dict:
    """The .nam content of a PedalNet preset. Raises ValueError saying why another one cannot be."""
    model = preset.model
    if not isinstance(model, PedalNetModel):
        raise ValueError(f"it is a {model.architecture} model; only neuralfx's PedalNet presets are exported")
    if model.config.knobs:
        knobs = ", ".join(knob.name for knob in model.config.knobs)
        raise ValueError(
            f"it takes knobs ({knobs}) as inputs, which NAM's format cannot express (its FiLM conditions on the "
            "audio, not on knobs): export one setting by training at it, or play it in neuralfx"
        )
    config = pedalnet_config(model)
    flat = pack_weights(parse_wavenet_config(Node(config, "config")), pedalnet_weights(model))
    return nam_document("WaveNet", config, flat, preset.sample_rate, preset.metadata, A2_VERSION)


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "export-nam",
        help="write a preset as a NAM model file (.nam) that NAM's plugin and players load",
        description="Write a PedalNet preset as a .nam file: NAM's WaveNet with per-layer gating, 1x1 residuals "
        "and head 1x1 convs plays it exactly (NAM Core, format 0.7).",
    )
    parser.add_argument("preset", help="a preset name or .nfx file")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the .nam file to write")
    parser.add_argument("--force", action="store_true", help="replace OUTPUT if it exists")
    parser.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    output: Path = args.output
    if output.suffix.lower() != ".nam":
        raise ValueError(f"{output}: a NAM model file ends in .nam")
    preset = load_preset(args.preset)
    if same_file(output, preset.path):
        raise ValueError(f"{output} is the preset itself: choose another file")
    if output.exists() and not args.force:
        raise ValueError(f"{output} exists: pass --force to replace it")
    try:
        document = nam_file_of(preset)
    except ValueError as exc:
        raise PresetError(preset.path, f"cannot be written as a .nam file: {exc}") from None
    write_nam(output, document)
    print(f"wrote {output}: {preset.name}, NAM WaveNet (format {document['version']}), {preset.sample_rate} Hz")
    return 0
