"""Helpers for the NAM tests: .nam files written by the tests, plain numpy references (whole
signal, float64, no streaming) and NAM Core's `namrun` where it is built.

The references read the config and flat weight list themselves, in NAM's documented order, so
that they check the reader's layout as well as the engines.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SHARED = Path(__file__).resolve().parents[2] / "shared"
NAM_DATA = SHARED / "data" / "nam"
NAMCORE_BUILD = SHARED / "tools" / "namcore" / "build.sh"


def shared_nam_data() -> Path:
    if not (NAM_DATA / "golden_in.wav").is_file():
        pytest.skip(f"NAM reference data not found at {NAM_DATA} (the shared folder beside the repo)")
    return NAM_DATA


def namrun_path() -> Path | None:
    """NAM Core's namrun (native build), or None when it is not built."""
    found = shutil.which("namrun")
    if found:
        return Path(found)
    if NAMCORE_BUILD.is_file():
        folder = subprocess.run([str(NAMCORE_BUILD), "--print-dir", "native"], capture_output=True, text=True)
        candidate = Path(folder.stdout.strip()) / "namrun"
        if folder.returncode == 0 and candidate.is_file():
            return candidate
    return None


def require_namrun() -> Path:
    path = namrun_path()
    if path is None:
        pytest.skip(f"NAM Core's namrun is not built: run {NAMCORE_BUILD} native")
    return path


def namrun_render(
    model: Path, x: np.ndarray, folder: Path, block: int = 64, slim: float | None = None, rate: int = 48000
) -> np.ndarray:
    """NAM Core's output for x at the model's `rate` (exact tanh), the model reset (pre-warmed) first."""
    wav_in, wav_out = folder / "namrun_in.wav", folder / "namrun_out.wav"
    sf.write(wav_in, x.astype(np.float32), rate, subtype="FLOAT")
    command = [str(require_namrun()), "--no-fast-tanh", "render", str(model), str(wav_in), str(wav_out), "--block"]
    command.append(str(block))
    if slim is not None:
        command += ["--slim", str(slim)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return sf.read(wav_out, dtype="float32")[0]


# ---- writing .nam files ----


def write_nam(path: Path, architecture: str, config: dict, weights, **top) -> Path:
    document = {
        "version": top.pop("version", "0.5.4"),
        "architecture": architecture,
        "config": config,
        "weights": [float(w) for w in weights],
        "sample_rate": top.pop("sample_rate", 48000),
        **top,
    }
    path.write_text(json.dumps(document))
    return path


def a1_array(input_size, channels, head_size, dilations, kernel=3, head_bias=False, gated=False, act="Tanh") -> dict:
    return {
        "input_size": input_size,
        "condition_size": 1,
        "head_size": head_size,
        "channels": channels,
        "kernel_size": kernel,
        "dilations": list(dilations),
        "activation": act,
        "gated": gated,
        "head_bias": head_bias,
    }


def _dil(*parts):
    return [d for part in parts for d in part]


_TO64 = [1, 2, 4, 8, 16, 32, 64]
_TO512 = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
A1_PRESETS = {
    # NAM's trainer presets ("standard", "lite", "feather", "nano")
    "standard": [a1_array(1, 16, 8, _TO512), a1_array(16, 8, 1, _TO512, head_bias=True)],
    "lite": [a1_array(1, 12, 6, _TO64), a1_array(12, 6, 1, _dil([128, 256, 512], _TO512), head_bias=True)],
    "feather": [a1_array(1, 8, 4, _TO64), a1_array(8, 4, 1, _dil([128, 256, 512], _TO512), head_bias=True)],
    "nano": [a1_array(1, 4, 2, _TO64), a1_array(4, 2, 1, _dil([128, 256, 512], _TO512), head_bias=True)],
}


def wavenet_config(arrays: list[dict], head: dict | None = None, head_scale: float = 0.02) -> dict:
    return {"layers": arrays, "head": head, "head_scale": head_scale}


# Small WaveNets that together use every key and activation the reader supports.
A2_LAYER = {
    "input_size": 1,
    "condition_size": 1,
    "head": {"out_channels": 1, "kernel_size": 4, "bias": True},
    "channels": 6,
    "bottleneck": 4,
    "kernel_sizes": [3, 5, 2, 4],
    "dilations": [1, 3, 7, 2],
    "activation": [{"type": "LeakyReLU", "negative_slope": 0.05}, "Tanh", {"type": "Hardtanh"}, {"type": "SiLU"}],
    "gating_mode": ["none", "gated", "blended", "none"],
    "secondary_activation": [None, "Sigmoid", {"type": "Tanh"}, None],
    "layer1x1": {"active": True, "groups": 2},
    "head1x1": {"active": True, "out_channels": 3, "groups": 1},
    "groups_input": 2,
    "groups_input_mixin": 1,
    "conv_pre_film": {"active": False, "shift": True, "groups": 1},
    "slimmable": None,
}
POST_HEAD_LAYER = A2_LAYER | {"head": {"out_channels": 3, "kernel_size": 2, "bias": False}}
ACTIVATIONS = [
    "Hardtanh",
    "ReLU",
    "SiLU",
    "Hardswish",
    "Softsign",
    {"type": "LeakyHardtanh", "min_val": -0.5, "max_val": 0.7, "min_slope": 0.1, "max_slope": 0.2},
    {"type": "PReLU", "negative_slopes": [0.1, 0.2, 0.3, 0.4]},
    "Sigmoid",
    "Fasttanh",
    {"type": "PReLU", "negative_slope": 0.3},
]
NO_LAYER1X1 = a1_array(1, 4, 1, [1, 2, 4], head_bias=True) | {"layer1x1": {"active": False, "groups": 1}}
TINY_WAVENETS = {
    "gated_two_arrays": wavenet_config(
        [a1_array(1, 3, 2, [1, 2, 4], gated=True), a1_array(3, 2, 1, [1, 3], gated=True, head_bias=True)]
    ),
    "three_arrays": wavenet_config(
        [a1_array(1, 5, 3, [1, 2]), a1_array(5, 3, 2, [1, 2]), a1_array(3, 2, 1, [1, 4], head_bias=True)]
    ),
    "a2_style_layer": wavenet_config([A2_LAYER], head_scale=0.01),
    "post_stack_head": wavenet_config(
        [POST_HEAD_LAYER], head={"channels": 4, "out_channels": 1, "kernel_sizes": [3, 2], "activation": "ReLU"}
    ),
    "no_layer1x1": wavenet_config([NO_LAYER1X1]),
    "activations": wavenet_config(
        [a1_array(1, 4, 1, [1, 2, 4, 8, 1, 2, 4, 8, 1, 2], head_bias=True) | {"activation": ACTIVATIONS}]
    ),
    "nano": wavenet_config(A1_PRESETS["nano"]),
}


def random_weights(count: int, seed: int, scale: float = 0.4) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, scale, count).astype(np.float32)


# ---- references ----


class _Weights:
    def __init__(self, flat) -> None:
        self.flat = np.asarray(flat, np.float64)
        self.at = 0

    def take(self, *shape) -> np.ndarray:
        n = int(np.prod(shape))
        assert self.at + n <= self.flat.size, "the reference ran out of weights"
        out = self.flat[self.at : self.at + n].reshape(shape)
        self.at += n
        return out

    def grouped(self, cout, cin, k, groups=1) -> np.ndarray:
        out = np.zeros((cout, cin, k))
        og, ig = cout // groups, cin // groups
        for g in range(groups):
            out[g * og : (g + 1) * og, g * ig : (g + 1) * ig] = self.take(og, ig, k)
        return out

    def done(self) -> None:
        assert self.at == self.flat.size, f"the reference used {self.at} of {self.flat.size} weights"


def _conv(signal: np.ndarray, weight: np.ndarray, dilation: int) -> np.ndarray:
    """Causal dilated conv of (cin, T) by (cout, cin, K), zeros before the start."""
    cout, _, k = weight.shape
    total = signal.shape[1]
    out = np.zeros((cout, total))
    for j in range(k):
        shift = (k - 1 - j) * dilation
        if shift < total:
            out[:, shift:] += weight[:, :, j] @ signal[:, : total - shift]
    return out


def _act(spec, z: np.ndarray) -> np.ndarray:
    if isinstance(spec, str):
        spec = {"type": spec}
    kind = spec["type"]
    if kind == "Tanh":
        return np.tanh(z)
    if kind == "Sigmoid":
        return 1 / (1 + np.exp(-z))
    if kind == "ReLU":
        return np.maximum(z, 0)
    if kind in ("LeakyReLU", "PReLU"):
        slope = spec.get("negative_slope", 0.01)
        if kind == "PReLU" and "negative_slopes" in spec and "negative_slope" not in spec:
            slope = np.asarray(spec["negative_slopes"])[:, None]
        return np.where(z > 0, z, z * slope)
    if kind == "Fasttanh":  # NAM's published rational approximation
        a, s = np.abs(z), z * z
        num = z * (2.45550750702956 + 2.45550750702956 * a + (0.893229853513558 + 0.821226666969744 * a) * s)
        return num / (2.44506634652299 + (2.44506634652299 + s) * np.abs(z + 0.814642734961073 * z * a))
    if kind == "Hardtanh":
        return np.clip(z, -1, 1)
    if kind == "SiLU":
        return z / (1 + np.exp(-z))
    if kind == "Softsign":
        return z / (1 + np.abs(z))
    if kind == "Hardswish":
        return z * np.clip(z + 3, 0, 6) / 6
    if kind in ("LeakyHardtanh", "LeakyHardTanh"):
        lo, hi = spec.get("min_val", -1.0), spec.get("max_val", 1.0)
        return np.where(
            z < lo,
            (z - lo) * spec.get("min_slope", 0.01) + lo,
            np.where(z > hi, (z - hi) * spec.get("max_slope", 0.01) + hi, z),
        )
    raise ValueError(kind)


def _per_layer(value, count):
    return list(value) if isinstance(value, list) else [value] * count


def reference_wavenet(config: dict, weights, x: np.ndarray) -> np.ndarray:
    """NAM's WaveNet on x, with silence before it (float64, whole signal)."""
    w = _Weights(weights)
    arrays = config["layers"]
    lookback = 0
    for arr in arrays:
        ks = arr.get("kernel_sizes") or [arr["kernel_size"]] * len(arr["dilations"])
        lookback += sum((k - 1) * d for k, d in zip(ks, arr["dilations"], strict=True))
        head = arr.get("head")
        if head:
            lookback += (head["kernel_size"] - 1) * head.get("head_dilation", 1)
    if config.get("head"):
        lookback += sum(k - 1 for k in config["head"]["kernel_sizes"])
    xp = np.concatenate([np.zeros(lookback), np.asarray(x, np.float64)])[None, :]
    u, head_in = xp, None
    for arr in arrays:
        count = len(arr["dilations"])
        channels = arr["channels"]
        bottleneck = arr.get("bottleneck", channels)
        kernels = arr.get("kernel_sizes") or [arr["kernel_size"]] * count
        acts = _per_layer(arr["activation"], count)
        if "gating_mode" in arr:
            modes = _per_layer(arr["gating_mode"], count)
            seconds = _per_layer(arr.get("secondary_activation") or "Sigmoid", count)
        else:
            modes = ["gated" if arr.get("gated") else "none"] * count
            seconds = ["Sigmoid"] * count
        l1 = arr.get("layer1x1", {"active": True, "groups": 1})
        h1 = arr.get("head1x1", {"active": False})
        gi, gm = arr.get("groups_input", 1), arr.get("groups_input_mixin", 1)
        if arr.get("head"):
            head_size, head_k = arr["head"]["out_channels"], arr["head"]["kernel_size"]
            head_bias, head_d = arr["head"]["bias"], arr["head"].get("head_dilation", 1)
        else:
            head_size, head_k, head_bias, head_d = arr["head_size"], 1, arr["head_bias"], 1
        h = w.take(channels, u.shape[0]) @ u
        skip = h1["out_channels"] if h1["active"] else bottleneck
        s = np.zeros((skip, xp.shape[1])) if head_in is None else head_in
        for i in range(count):
            zr = bottleneck * (1 if modes[i] == "none" else 2)
            conv = w.grouped(zr, channels, kernels[i], gi)
            bias = w.take(zr)
            mixin = w.grouped(zr, 1, 1, gm)[:, :, 0]
            z = _conv(h, conv, arr["dilations"][i]) + bias[:, None] + mixin @ xp
            if modes[i] == "none":
                a = _act(acts[i], z)
            elif modes[i] == "gated":
                a = _act(acts[i], z[:bottleneck]) * _act(seconds[i] or "Sigmoid", z[bottleneck:])
            else:
                alpha = _act(seconds[i] or "Sigmoid", z[bottleneck:])
                a = alpha * _act(acts[i], z[:bottleneck]) + (1 - alpha) * z[:bottleneck]
            if l1["active"]:
                v = w.grouped(channels, bottleneck, 1, l1["groups"])[:, :, 0]
                h = h + v @ a + w.take(channels)[:, None]
            if h1["active"]:
                hw = w.grouped(h1["out_channels"], bottleneck, 1, h1["groups"])[:, :, 0]
                s = s + hw @ a + w.take(h1["out_channels"])[:, None]
            else:
                s = s + a
        head_w = w.grouped(head_size, skip, head_k)
        head_in = _conv(s, head_w, head_d)
        if head_bias:
            head_in = head_in + w.take(head_size)[:, None]
        u = h
    post = config.get("head")
    if post:
        convs = []
        cin = head_in.shape[0]
        for j, k in enumerate(post["kernel_sizes"]):
            cout = post["out_channels"] if j == len(post["kernel_sizes"]) - 1 else post["channels"]
            convs.append((w.take(cout, cin, k), w.take(cout)))
            cin = cout
        scale = w.take(1)[0]
        y = scale * head_in
        for conv, bias in convs:
            y = _conv(_act(post["activation"], y), conv, 1) + bias[:, None]
    else:
        y = w.take(1)[0] * head_in
    w.done()
    return y[0, lookback:]


def reference_lstm(config: dict, weights, x: np.ndarray, sample_rate: int = 48000) -> np.ndarray:
    """NAM's LSTM from its initial state after 0.5 s of silence (float64)."""
    w = _Weights(weights)
    hidden = config["hidden_size"]
    cells = []
    for layer in range(config["num_layers"]):
        inputs = 1 if layer == 0 else hidden
        cells.append(
            [w.take(4 * hidden, inputs + hidden), w.take(4 * hidden), w.take(hidden).copy(), w.take(hidden).copy()]
        )
    head, head_bias = w.take(hidden), w.take(1)[0]
    w.done()
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    signal = np.concatenate([np.zeros(sample_rate // 2), np.asarray(x, np.float64)])
    out = np.empty(signal.size)
    for t, sample in enumerate(signal):
        inp = np.array([sample])
        for cell in cells:
            mat, bias, h, c = cell
            g = mat @ np.concatenate([inp, h]) + bias
            i, f, gg, o = np.split(g, 4)
            c[:] = sig(f) * c + sig(i) * np.tanh(gg)
            h[:] = sig(o) * np.tanh(c)
            inp = h
        out[t] = head @ inp + head_bias
    return out[sample_rate // 2 :]


def lstm_config(layers: int, hidden: int) -> dict:
    return {"num_layers": layers, "input_size": 1, "hidden_size": hidden}


def lstm_weight_total(layers: int, hidden: int) -> int:
    return sum(4 * hidden * ((1 if i == 0 else hidden) + hidden) + 6 * hidden for i in range(layers)) + hidden + 1
