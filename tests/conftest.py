"""Shared test helpers: presets with known weights, and feeding effects odd block grids."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

# One BLAS thread: tests run on small shared machines and must not oversubscribe them.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import ctypes.util

import numpy as np
import pytest

from neuralfx.models import PedalNetConfig, PedalNetModel
from neuralfx.preset import Preset, PresetMetadata

DATA = Path(__file__).parent / "data"
TINY_PRESET = DATA / "tiny.nfx"
REPO = Path(__file__).parent.parent

ODD_BLOCKS = (1, 17, 64, 65, 128, 1000, 4096)


def _qt_problem() -> str | None:
    """Why Qt's widgets cannot run here (offscreen), or None. A missing system library would
    otherwise fail pytest-qt's set-up, or abort the test process when the platform loads."""
    try:
        from PyQt6.QtCore import QLibraryInfo
        from PyQt6.QtWidgets import QApplication  # noqa: F401

        plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
        ctypes.CDLL(str(plugins / "platforms" / "libqoffscreen.so"))
    except (ImportError, OSError) as exc:
        return (
            f"Qt cannot load ({exc}): apt install libglib2.0-0 libegl1 libgl1 libfontconfig1 libxkbcommon0 "
            "libdbus-1-3 (and xvfb with Qt's X libraries for the app's own window; see .ci/run)"
        )
    return None


QT_PROBLEM = _qt_problem()
if QT_PROBLEM is None:
    pytest_plugins = ["pytestqt.plugin"]  # pytest-qt's own loading (-p no:pytest-qt) would fail without Qt

requires_portaudio = pytest.mark.skipif(
    ctypes.util.find_library("portaudio") is None,
    reason="PortAudio is not installed (apt install libportaudio2): the live engine opens its audio through it",
)


def random_weights(config: PedalNetConfig, seed: int, scale: float = 0.3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        name: (rng.standard_normal(shape) * scale).astype(np.float32) for name, shape in config.weight_shapes().items()
    }


def make_preset(config: PedalNetConfig | None = None, seed: int = 0, sample_rate: int = 48000, **metadata) -> Preset:
    config = config or PedalNetConfig(channels=4, dilations=(1, 2, 4, 8))
    fields = {"name": "test", "pedal": "random weights", "provenance": {"seed": seed}} | metadata
    return Preset(PedalNetModel(config, random_weights(config, seed)), sample_rate, PresetMetadata(**fields))


def knob_preset(path: Path, seed: int = 3, name: str = "knobs test") -> Path:
    """A tiny random-weight PedalNet with a drive and a tone dial (0-10, FiLM conditioned), saved at `path`."""
    from neuralfx.models.pedalnet import Knob

    knobs = (Knob("drive", 0, 10, 5), Knob("tone", 0, 10, 5))
    config = PedalNetConfig(channels=4, dilations=(1, 2, 4, 8), knobs=knobs, conditioning="film")
    metadata = PresetMetadata(name=name, pedal="random weights with knobs", knobs={"drive": 5, "tone": 5})
    return Preset(PedalNetModel(config, random_weights(config, seed)), 48000, metadata).save(path)


def varying_blocks(total: int, seed: int = 0, sizes: Sequence[int] = ODD_BLOCKS) -> list[int]:
    """Block sizes drawn from `sizes` (and random ones), covering exactly `total` samples."""
    rng = np.random.default_rng(seed)
    blocks, done = [], 0
    while done < total:
        n = int(rng.choice(sizes)) if rng.random() < 0.7 else int(rng.integers(1, 3000))
        n = min(n, total - done)
        blocks.append(n)
        done += n
    return blocks


def stream(process: Callable[..., np.ndarray], audio: np.ndarray, blocks: Sequence[int], **kwargs) -> np.ndarray:
    """Feed (channels, n) audio in the given block sizes (reset only on the first); concatenate."""
    outs, start = [], 0
    for n in blocks:
        outs.append(process(audio[..., start : start + n], reset=start == 0, **kwargs))
        start += n
    assert start == audio.shape[-1]
    return np.concatenate(outs, axis=-1)


def guitarish(seconds: float, sample_rate: int = 48000, channels: int = 1, seed: int = 0) -> np.ndarray:
    """Decaying plucked tones with a little noise, peak about 0.8: float32 (channels, n)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sample_rate)
    t = np.arange(n) / sample_rate
    out = np.zeros((channels, n))
    for c in range(channels):
        note = np.zeros(n)
        for start in range(0, n, sample_rate // 4):
            f0 = rng.uniform(80, 660)
            tt = t[: n - start]
            note[start:] += np.sin(2 * np.pi * f0 * tt) * np.exp(-tt * rng.uniform(3, 12)) * rng.uniform(0.2, 0.6)
        out[c] = note + rng.normal(0, 0.01, n)
    return (out * 0.8 / np.abs(out).max()).astype(np.float32)


@pytest.fixture
def tiny_preset_path() -> Path:
    return TINY_PRESET
