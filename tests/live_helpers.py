"""Shared helpers for the live engine's tests (imported by tests/test_engine_*.py and test_live_*.py)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from neuralfx import Chain, NeuralPedal, load_preset
from neuralfx.engine.signal_path import SignalPath
from neuralfx.models import PedalNetConfig, PedalNetModel
from neuralfx.preset import Preset, PresetMetadata

TINY = Path(__file__).parent / "data" / "tiny.nfx"
QUIET_DB = -9.0
"""tiny.nfx's output peaks near 1.5: this output gain keeps it below the 0 dBFS ceiling."""


def guitar_like(seconds: float, sample_rate: int = 48000, amplitude: float = 0.3, seed: int = 0) -> np.ndarray:
    """A plucked-string stand-in: decaying harmonics every 0.25 s plus a little noise, float32."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    phase = t % 0.25
    note = 110 * 2 ** (np.floor(t / 0.25) % 5 / 12)
    x = sum(np.sin(2 * np.pi * k * note * t) / k for k in (1, 2, 3)) * np.exp(-phase * 8)
    return (amplitude * x / 1.8 + 0.01 * rng.standard_normal(t.size)).astype(np.float32)


def tiny_chain(**parameters: float) -> Chain:
    return Chain([NeuralPedal(load_preset(TINY), **{"output_gain_db": QUIET_DB, **parameters})])


def run_signal_path(signal_path: SignalPath, x: np.ndarray, block: int, actions: dict | None = None) -> np.ndarray:
    """Feed x through the signal_path in `block`-frame callbacks, as the engine does, with a
    generous spare-time budget. `actions` maps a block index to a function run before it."""
    out = np.zeros_like(x)
    for i, start in enumerate(range(0, x.shape[0], block)):
        if actions and i in actions:
            actions[i]()
        signal_path.process(x[start : start + block].copy(), out[start : start + block])
        signal_path.spare_time(time.perf_counter() + 0.002)
    return out


def random_pedalnet_preset(path: Path, seed: int = 0) -> Path:
    """A full-size (24 layers × 16 channels) PedalNet preset with random weights, like ts9's cost."""
    config = PedalNetConfig()
    rng = np.random.default_rng(seed)
    weights = {n: (rng.standard_normal(s) * 0.1).astype(np.float32) for n, s in config.weight_shapes().items()}
    weights["mix.bias"][:] = 0.0
    Preset(PedalNetModel(config, weights), 48000, PresetMetadata(name="random pedalnet")).save(path)
    return path


def overflowing_preset(path: Path) -> Path:
    """tiny.nfx with finite but huge mix weights: its output overflows float32 to ±Inf/NaN."""
    preset = load_preset(TINY)
    weights = dict(preset.model.weights)
    weights["mix.weight"] = np.full_like(weights["mix.weight"], 3e38)
    Preset(PedalNetModel(preset.model.config, weights), 48000, PresetMetadata(name="overflowing")).save(path)
    return path
