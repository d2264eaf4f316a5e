"""NAM's WaveNet: the config (classic "A1" keys and the A2 keys), its weight layout, and the model.

Per layer array (x: the input audio, which is also the condition of every layer):

    h = R · u                              rechannel, no bias (u = x, or the previous array's output)
    per layer (kernel K, dilation d):
        z = conv_{K,d}(h) + b + M · x      (gated/blended: 2B rows, else B = bottleneck rows)
        a = act(z)                         gated: act(z_top) · act2(z_bottom);
                                           blended: z_top + act2(z_bottom) · (act(z_top) − z_top)
        S += a, or S += H1 · a + h1        (head1x1)
        h = h + V · a + v, or h unchanged  (layer1x1 active or not)
    head = conv_{Kh,dh}(S) (+ bias)        S starts at 0, or at the previous array's head
    y = head_scale · head(last array)      (or a post-stack head: y = convs over act(head_scale · head))

`head_scale` is the last weight in the file (NAM Core reads it there, not from the config).
Weights come in file order: per array the rechannel, then per layer conv (weight, bias), input
mixin, layer1x1 (weight, bias), head1x1 (weight, bias); then the head conv (weight, bias); after
all arrays the post-stack head convs, then head_scale. Tensors are PyTorch-flattened (out, in,
kernel), grouped convolutions group by group; tap k reads the input d·(K−1−k) samples back.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .activations import Activation, parse_activation
from .fields import Node

ARCHITECTURE = "WaveNet"
MAX_CHANNELS = 1024
MAX_LAYERS = 1024
MAX_KERNEL = 8192
MAX_DILATION = 1 << 18
GATING_MODES = ("none", "gated", "blended")

_FILM_KEYS = (
    "conv_pre_film",
    "conv_post_film",
    "input_mixin_pre_film",
    "input_mixin_post_film",
    "activation_pre_film",
    "activation_post_film",
    "layer1x1_post_film",
    "head1x1_post_film",
)
_ARRAY_KEYS = {
    "input_size",
    "condition_size",
    "channels",
    "bottleneck",
    "kernel_size",
    "kernel_sizes",
    "dilations",
    "activation",
    "gated",
    "gating_mode",
    "secondary_activation",
    "head",
    "head_size",
    "head_bias",
    "layer1x1",
    "head1x1",
    "groups_input",
    "groups_input_mixin",
    "slimmable",
    *_FILM_KEYS,
}
_CONFIG_KEYS = {"layers", "head", "head_scale", "condition_dsp", "in_channels"}


@dataclass(frozen=True)
class LayerSpec:
    kernel_size: int
    dilation: int
    activation: Activation
    gating: str  # "none", "gated" or "blended"
    secondary: Activation | None  # the gate's (or blend's) activation

    @property
    def lookback(self) -> int:
        return (self.kernel_size - 1) * self.dilation


@dataclass(frozen=True)
class ArraySpec:
    """One layer array (see the module docstring)."""

    input_size: int
    condition_size: int
    channels: int
    bottleneck: int
    layers: tuple[LayerSpec, ...]
    head_size: int
    head_kernel_size: int
    head_dilation: int
    head_bias: bool
    groups_input: int = 1
    groups_input_mixin: int = 1
    layer1x1: bool = True
    layer1x1_groups: int = 1
    head1x1_out: int | None = None  # None: no head1x1
    head1x1_groups: int = 1

    @property
    def head_inputs(self) -> int:
        """Rows each layer adds into the head sum S."""
        return self.bottleneck if self.head1x1_out is None else self.head1x1_out

    @property
    def head_lookback(self) -> int:
        return (self.head_kernel_size - 1) * self.head_dilation

    def z_rows(self, layer: LayerSpec) -> int:
        return self.bottleneck * (1 if layer.gating == "none" else 2)


@dataclass(frozen=True)
class PostHeadSpec:
    """The optional post-stack head: convs (kernel k_i, bias) each after the activation."""

    in_channels: int
    channels: int
    out_channels: int
    kernel_sizes: tuple[int, ...]
    activation: Activation

    def shapes(self) -> list[tuple[int, int, int]]:
        """(out, in, kernel) of each conv."""
        shapes, cin = [], self.in_channels
        for i, k in enumerate(self.kernel_sizes):
            cout = self.out_channels if i == len(self.kernel_sizes) - 1 else self.channels
            shapes.append((cout, cin, k))
            cin = cout
        return shapes


@dataclass(frozen=True)
class WaveNetSpec:
    arrays: tuple[ArraySpec, ...]
    head: PostHeadSpec | None = None

    @property
    def receptive_field(self) -> int:
        """Input samples one output sample depends on (NAM Core's pre-warm length)."""
        lookback = sum(layer.lookback for a in self.arrays for layer in a.layers)
        lookback += sum(a.head_lookback for a in self.arrays)
        if self.head is not None:
            lookback += sum(k - 1 for k in self.head.kernel_sizes)
        return 1 + lookback

    def weight_count(self) -> int:
        """Weights the file must hold for this config (head_scale included)."""
        total = 0
        for a in self.arrays:
            total += a.channels * a.input_size
            for layer in a.layers:
                z = a.z_rows(layer)
                total += z * a.channels * layer.kernel_size // a.groups_input + z
                total += z * a.condition_size // a.groups_input_mixin
                if a.layer1x1:
                    total += a.channels * a.bottleneck // a.layer1x1_groups + a.channels
                if a.head1x1_out is not None:
                    total += a.head1x1_out * a.bottleneck // a.head1x1_groups + a.head1x1_out
            total += a.head_size * a.head_inputs * a.head_kernel_size + (a.head_size if a.head_bias else 0)
        if self.head is not None:
            total += sum(cout * cin * k + cout for cout, cin, k in self.head.shapes())
        return total + 1

    def multiply_adds(self) -> int:
        """Multiply-adds per output sample of the engine (which stores grouped convs densely)."""
        total = 0
        for a in self.arrays:
            total += a.channels * a.input_size
            for layer in a.layers:
                z = a.z_rows(layer)
                total += z * a.channels * layer.kernel_size + z * a.condition_size
                total += a.channels * a.bottleneck if a.layer1x1 else 0
                total += a.head1x1_out * a.bottleneck if a.head1x1_out is not None else 0
            total += a.head_size * a.head_inputs * a.head_kernel_size
        if self.head is not None:
            total += sum(cout * cin * k for cout, cin, k in self.head.shapes())
        return total

    def describe(self) -> dict:
        return {
            "layer_arrays": [
                {
                    "channels": a.channels,
                    "bottleneck": a.bottleneck,
                    "layers": len(a.layers),
                    "kernel_sizes": [layer.kernel_size for layer in a.layers],
                    "dilations": [layer.dilation for layer in a.layers],
                    "activations": sorted({layer.activation.name for layer in a.layers}),
                    "gating": sorted({layer.gating for layer in a.layers}),
                    "head_size": a.head_size,
                    "head_kernel_size": a.head_kernel_size,
                }
                for a in self.arrays
            ],
            "post_stack_head": None if self.head is None else list(self.head.kernel_sizes),
        }

    def summary(self) -> dict:
        """What a report or `neuralfx presets` says of a model of this config."""
        return {
            "architecture": f"NAM {ARCHITECTURE}",
            "config": self.describe(),
            "parameters": self.weight_count(),
            "receptive_field": self.receptive_field,
            "multiply_adds_per_sample": self.multiply_adds(),
        }


# ---- parsing ----


def parse_wavenet_config(config: Node) -> WaveNetSpec:
    """The WaveNet described by a .nam "config"; raises ValueError naming the first bad key."""
    config.refuse_unknown(_CONFIG_KEYS)
    if config.has("condition_dsp"):
        raise config["condition_dsp"].fail("a conditioning DSP is not supported")
    if config.has("in_channels") and config["in_channels"].integer() != 1:
        raise config["in_channels"].fail("only mono models (in_channels 1) are supported")
    config["head_scale"].number()  # required (the value used is the last weight)
    arrays_node = config["layers"]
    items = arrays_node.items()
    if not items:
        raise arrays_node.fail("a WaveNet needs at least one layer array")
    if len(items) > 64:
        raise arrays_node.fail(f"{len(items)} layer arrays is more than this reader accepts (64)")
    arrays = tuple(_parse_array(node) for node in items)
    for i, a in enumerate(arrays):
        where = f"{arrays_node.path}[{i}]"
        expected_input = 1 if i == 0 else arrays[i - 1].channels
        if a.input_size != expected_input:
            raise ValueError(f"{where}.input_size: {a.input_size}, but its input has {expected_input} channel(s)")
        if a.condition_size != 1:
            raise ValueError(f"{where}.condition_size: {a.condition_size}, but the condition is the mono input")
        if i > 0 and arrays[i - 1].head_size != a.head_inputs:
            raise ValueError(
                f"{where}: the previous array's head_size ({arrays[i - 1].head_size}) must equal this array's "
                f"head inputs ({a.head_inputs}, its bottleneck or head1x1 out_channels)"
            )
        if i > 0 and arrays[i - 1].head_size != a.channels:
            raise ValueError(f"{where}.channels: {a.channels} must equal the previous array's head_size")
    head = _parse_post_head(config["head"], arrays[-1].head_size) if config.has("head") else None
    out_channels = head.out_channels if head is not None else arrays[-1].head_size
    if out_channels != 1:
        raise ValueError(f"{config.path}: the model has {out_channels} output channels; only mono models are supported")
    return WaveNetSpec(arrays, head)


def _parse_array(node: Node) -> ArraySpec:
    node.refuse_unknown(_ARRAY_KEYS)
    for key in _FILM_KEYS:
        film = node.get(key)
        if film is not None and film.value is not False and _film_active(film):
            raise film.fail("FiLM conditioning is not supported")
    if node.has("slimmable"):
        raise node["slimmable"].fail(
            "slimmable WaveNets (channel slicing) are not supported; NAM's SlimmableContainer is"
        )
    channels = node["channels"].integer(1, MAX_CHANNELS)
    bottleneck = node["bottleneck"].integer(1, MAX_CHANNELS) if node.has("bottleneck") else channels
    dilation_nodes = node["dilations"].items()
    count = len(dilation_nodes)
    if not 1 <= count <= MAX_LAYERS:
        raise node["dilations"].fail(f"{count} layers: expected 1 to {MAX_LAYERS}")
    dilations = [d.integer(1, MAX_DILATION) for d in dilation_nodes]
    kernel_sizes = _per_layer_kernels(node, count)
    activations = _per_layer(node["activation"], count, parse_activation)
    gatings, secondaries = _gating(node, count)

    layer1x1, layer1x1_groups = True, 1
    if node.has("layer1x1"):
        layer1x1 = node["layer1x1"]["active"].boolean()
        layer1x1_groups = node["layer1x1"]["groups"].integer(1, MAX_CHANNELS)
    head1x1_out, head1x1_groups = None, 1
    if node.has("head1x1") and node["head1x1"]["active"].boolean():
        head1x1_out = node["head1x1"]["out_channels"].integer(1, MAX_CHANNELS)
        head1x1_groups = node["head1x1"]["groups"].integer(1, MAX_CHANNELS)

    if node.has("head"):
        head = node["head"]
        head.refuse_unknown({"out_channels", "kernel_size", "bias", "head_dilation"})
        head_size = head["out_channels"].integer(1, MAX_CHANNELS)
        head_kernel = head["kernel_size"].integer(1, MAX_KERNEL)
        head_bias = head["bias"].boolean()
        head_dilation = head["head_dilation"].integer(1, MAX_DILATION) if head.has("head_dilation") else 1
    elif node.has("head_size"):
        head_size = node["head_size"].integer(1, MAX_CHANNELS)
        head_bias = node["head_bias"].boolean()
        head_kernel, head_dilation = 1, 1
    else:
        raise node.fail("expected a 'head' object (out_channels, kernel_size, bias) or 'head_size' and 'head_bias'")

    groups_input = node["groups_input"].integer(1, MAX_CHANNELS) if node.has("groups_input") else 1
    groups_mixin = node["groups_input_mixin"].integer(1, MAX_CHANNELS) if node.has("groups_input_mixin") else 1
    spec = ArraySpec(
        input_size=node["input_size"].integer(1, MAX_CHANNELS),
        condition_size=node["condition_size"].integer(1, MAX_CHANNELS),
        channels=channels,
        bottleneck=bottleneck,
        layers=tuple(
            LayerSpec(k, d, act, gating, secondary)
            for k, d, act, gating, secondary in zip(
                kernel_sizes, dilations, activations, gatings, secondaries, strict=True
            )
        ),
        head_size=head_size,
        head_kernel_size=head_kernel,
        head_dilation=head_dilation,
        head_bias=head_bias,
        groups_input=groups_input,
        groups_input_mixin=groups_mixin,
        layer1x1=layer1x1,
        layer1x1_groups=layer1x1_groups,
        head1x1_out=head1x1_out,
        head1x1_groups=head1x1_groups,
    )
    _check_array(spec, node)
    return spec


def _check_array(a: ArraySpec, node: Node) -> None:
    """NAM Core's constraints between an array's sizes."""
    if not a.layer1x1 and a.bottleneck != a.channels:
        raise node.fail(f"bottleneck ({a.bottleneck}) must equal channels ({a.channels}) when layer1x1 is inactive")
    for layer_index, layer in enumerate(a.layers):
        z = a.z_rows(layer)
        for groups, cin, cout, key in (
            (a.groups_input, a.channels, z, "groups_input"),
            (a.groups_input_mixin, a.condition_size, z, "groups_input_mixin"),
        ):
            if cin % groups or cout % groups:
                raise node.fail(f"{key} ({groups}) must divide {cin} inputs and {cout} outputs")
        for act in (layer.activation, layer.secondary):
            if act is not None:
                act.check_channels(a.bottleneck, f"{node.path} layer {layer_index}")
    if a.layer1x1 and (a.bottleneck % a.layer1x1_groups or a.channels % a.layer1x1_groups):
        raise node.fail(f"layer1x1 groups ({a.layer1x1_groups}) must divide bottleneck and channels")
    if a.head1x1_out is not None and (a.bottleneck % a.head1x1_groups or a.head1x1_out % a.head1x1_groups):
        raise node.fail(f"head1x1 groups ({a.head1x1_groups}) must divide bottleneck and out_channels")


def _film_active(film: Node) -> bool:
    if isinstance(film.value, bool):
        return film.value
    options = film.object()
    return film["active"].boolean() if "active" in options else True  # NAM Core: an object is active by default


def _per_layer_kernels(node: Node, count: int) -> list[int]:
    if node.has("kernel_size") and node.has("kernel_sizes"):
        raise node.fail("give kernel_size or kernel_sizes, not both")
    if node.has("kernel_sizes"):
        items = node["kernel_sizes"].items()
        if len(items) != count:
            raise node["kernel_sizes"].fail(f"{len(items)} kernel sizes for {count} layers")
        return [k.integer(1, MAX_KERNEL) for k in items]
    return [node["kernel_size"].integer(1, MAX_KERNEL)] * count


def _per_layer(node: Node, count: int, parse):
    """One value per layer: a list of `count` values, or one value for every layer."""
    if isinstance(node.value, list):
        items = node.items()
        if len(items) != count:
            raise node.fail(f"{len(items)} values for {count} layers")
        return [parse(item) for item in items]
    value = parse(node)
    return [value] * count


def _gating(node: Node, count: int) -> tuple[list[str], list[Activation | None]]:
    """Per layer gating mode and secondary activation, read as NAM Core reads them."""
    if node.has("gating_mode"):
        modes = _per_layer(node["gating_mode"], count, _gating_mode)
    elif node.has("gated"):
        modes = ["gated" if node["gated"].boolean() else "none"] * count
        # NAM Core reads secondary_activation only with gating_mode: the legacy gate is a sigmoid.
        return modes, [parse_activation(Node("Sigmoid", "Sigmoid")) if m != "none" else None for m in modes]
    else:
        modes = ["none"] * count
    secondary = node.get("secondary_activation")
    if secondary is not None and isinstance(secondary.value, list) and len(secondary.value) != count:
        raise secondary.fail(f"{len(secondary.value)} values for {count} layers")
    result: list[Activation | None] = []
    for i, mode in enumerate(modes):
        if mode == "none":
            result.append(None)
        elif secondary is None:
            result.append(parse_activation(Node("Sigmoid", "Sigmoid")))
        elif isinstance(secondary.value, list):
            result.append(parse_activation(secondary[i]))
        else:
            result.append(parse_activation(secondary))
    return modes, result


def _gating_mode(node: Node) -> str:
    mode = node.string()
    if mode not in GATING_MODES:
        raise node.fail(f"gating_mode {mode!r} is not one of {', '.join(GATING_MODES)}")
    return mode


def _parse_post_head(node: Node, in_channels: int) -> PostHeadSpec:
    node.refuse_unknown({"in_channels", "channels", "out_channels", "kernel_sizes", "activation"})
    if node.has("in_channels") and node["in_channels"].integer() != in_channels:
        raise node["in_channels"].fail(f"must equal the last layer array's head_size ({in_channels})")
    kernels = tuple(k.integer(1, MAX_KERNEL) for k in node["kernel_sizes"].items())
    if not kernels:
        raise node["kernel_sizes"].fail("the post-stack head needs at least one conv")
    if len(kernels) > MAX_LAYERS:
        raise node["kernel_sizes"].fail(f"{len(kernels)} convs is more than this reader accepts")
    head = PostHeadSpec(
        in_channels=in_channels,
        channels=node["channels"].integer(1, MAX_CHANNELS),
        out_channels=node["out_channels"].integer(1, MAX_CHANNELS),
        kernel_sizes=kernels,
        activation=parse_activation(node["activation"]),
    )
    if head.activation.per_channel is not None:
        raise node["activation"].fail("a per-channel PReLU in the post-stack head is not supported")
    return head


# ---- weights ----


@dataclass
class LayerWeights:
    conv: np.ndarray  # (z, C, K)
    conv_bias: np.ndarray  # (z,)
    mixin: np.ndarray  # (z, condition)
    layer1x1: np.ndarray | None  # (C, B)
    layer1x1_bias: np.ndarray | None
    head1x1: np.ndarray | None  # (head1x1_out, B)
    head1x1_bias: np.ndarray | None


@dataclass
class ArrayWeights:
    rechannel: np.ndarray  # (C, input_size)
    layers: list[LayerWeights]
    head: np.ndarray  # (head_size, head_inputs, head_kernel)
    head_bias: np.ndarray | None


@dataclass
class WaveNetWeights:
    arrays: list[ArrayWeights]
    post_head: list[tuple[np.ndarray, np.ndarray]]  # (out, in, k), bias
    head_scale: float


def unpack_weights(spec: WaveNetSpec, flat: np.ndarray) -> WaveNetWeights:
    """Split the file's weights (float32, exactly `spec.weight_count()`) into dense tensors."""
    take = _Taker(flat)
    arrays = []
    for a in spec.arrays:
        rechannel = take.grouped(a.channels, a.input_size, 1, 1)[:, :, 0]
        layers = []
        for layer in a.layers:
            z = a.z_rows(layer)
            conv = take.grouped(z, a.channels, layer.kernel_size, a.groups_input)
            conv_bias = take(z)
            mixin = take.grouped(z, a.condition_size, 1, a.groups_input_mixin)[:, :, 0]
            l1 = l1b = h1 = h1b = None
            if a.layer1x1:
                l1 = take.grouped(a.channels, a.bottleneck, 1, a.layer1x1_groups)[:, :, 0]
                l1b = take(a.channels)
            if a.head1x1_out is not None:
                h1 = take.grouped(a.head1x1_out, a.bottleneck, 1, a.head1x1_groups)[:, :, 0]
                h1b = take(a.head1x1_out)
            layers.append(LayerWeights(conv, conv_bias, mixin, l1, l1b, h1, h1b))
        head = take.grouped(a.head_size, a.head_inputs, a.head_kernel_size, 1)
        head_bias = take(a.head_size) if a.head_bias else None
        arrays.append(ArrayWeights(rechannel, layers, head, head_bias))
    post_head = []
    if spec.head is not None:
        for cout, cin, k in spec.head.shapes():
            post_head.append((take.grouped(cout, cin, k, 1), take(cout)))
    head_scale = float(take(1)[0])
    take.finish()
    return WaveNetWeights(arrays, post_head, head_scale)


def pack_weights(spec: WaveNetSpec, weights: WaveNetWeights) -> np.ndarray:
    """The file's flat weight list for `weights` (the inverse of `unpack_weights`), float32."""
    parts: list[np.ndarray] = []

    def put(tensor: np.ndarray | float, groups: int = 1) -> None:
        tensor = np.asarray(tensor, np.float32)
        if tensor.ndim < 2 or groups == 1:
            parts.append(tensor.ravel())
            return
        og, ig = tensor.shape[0] // groups, tensor.shape[1] // groups
        parts.extend(tensor[g * og : (g + 1) * og, g * ig : (g + 1) * ig].ravel() for g in range(groups))

    for a, w in zip(spec.arrays, weights.arrays, strict=True):
        put(w.rechannel)
        for layer in w.layers:
            put(layer.conv, a.groups_input)
            put(layer.conv_bias)
            put(layer.mixin, a.groups_input_mixin)
            if a.layer1x1:
                put(layer.layer1x1, a.layer1x1_groups)
                put(layer.layer1x1_bias)
            if a.head1x1_out is not None:
                put(layer.head1x1, a.head1x1_groups)
                put(layer.head1x1_bias)
        put(w.head)
        if a.head_bias:
            put(w.head_bias)
    for conv, bias in weights.post_head:
        put(conv)
        put(bias)
    put([weights.head_scale])
    flat = np.concatenate(parts)
    if flat.size != spec.weight_count():
        raise ValueError(f"{flat.size} weights for a config that holds {spec.weight_count()}")
    return flat


class _Taker:
    """Reads consecutive tensors from the flat weight list."""

    def __init__(self, flat: np.ndarray) -> None:
        self.flat = flat
        self.at = 0

    def __call__(self, count: int) -> np.ndarray:
        if self.at + count > self.flat.size:
            raise ValueError("the weights end before the config's last tensor")
        out = self.flat[self.at : self.at + count]
        self.at += count
        return out

    def grouped(self, cout: int, cin: int, kernel: int, groups: int) -> np.ndarray:
        """A (cout, cin, kernel) tensor stored group by group; zeros off the groups' blocks."""
        og, ig = cout // groups, cin // groups
        dense = np.zeros((cout, cin, kernel), np.float32)
        for g in range(groups):
            dense[g * og : (g + 1) * og, g * ig : (g + 1) * ig] = self(og * ig * kernel).reshape(og, ig, kernel)
        return dense

    def finish(self) -> None:
        if self.at != self.flat.size:
            raise ValueError(f"{self.flat.size - self.at} weights left over after the config's last tensor")


# ---- the model ----


class WaveNetModel:
    """A NAM WaveNet ready to play (see `neuralfx.models.Model`).

    Args:
        spec: the parsed config.
        weights: the file's flat weights, float32, checked finite, `spec.weight_count()` long.
    """

    architecture = ARCHITECTURE

    def __init__(self, spec: WaveNetSpec, weights: np.ndarray) -> None:
        from .program import compile_wavenet

        self.spec = spec
        self.tensors = unpack_weights(spec, weights)
        self.memory_samples = spec.receptive_field - 1
        self.settle_samples = self.memory_samples
        self.multiply_adds = spec.multiply_adds()
        self.num_parameters = int(weights.size)
        self.parameters = ()
        self.program = compile_wavenet(spec, self.tensors)

    @functools.cached_property
    def rest_state(self):
        """The engine's state after silence forever (made once, copied by every stream's reset)."""
        return self.program.rest_state(self.settle_samples)

    def stream(self, settle: bool = True):
        from .stream import ProgramStream

        return ProgramStream(self, settle=settle)

    def describe(self) -> dict:
        return self.spec.summary()
