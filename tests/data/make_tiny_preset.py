"""Regenerate tests/data/tiny.nfx and its golden output (run from the repo root).

The tiny preset is a 4-layer, 4-channel PedalNet with fixed pseudo-random weights; the golden
output is the torch reference's float64 whole-signal forward pass on a fixed input.
"""

from pathlib import Path

import numpy as np
import torch

from neuralfx.models import PedalNetConfig, PedalNetModel
from neuralfx.preset import Preset, PresetMetadata
from neuralfx_training.model import PedalNet

HERE = Path(__file__).parent


def golden_input() -> np.ndarray:
    """2,000 samples: a decaying 220 Hz tone plus noise, peak 0.9, float32."""
    rng = np.random.default_rng(1234)
    t = np.arange(2000) / 48000
    x = 0.8 * np.sin(2 * np.pi * 220 * t) * np.exp(-t * 20) + 0.1 * rng.uniform(-1, 1, t.size)
    return x.astype(np.float32)


def main() -> None:
    config = PedalNetConfig(channels=4, kernel_size=3, dilations=(1, 2, 4, 8))
    rng = np.random.default_rng(2024)
    weights = {
        name: (rng.standard_normal(shape) * 0.5).astype(np.float32) for name, shape in config.weight_shapes().items()
    }
    preset = Preset(
        model=PedalNetModel(config, weights),
        sample_rate=48000,
        metadata=PresetMetadata(
            name="tiny test",
            pedal="none: fixed pseudo-random weights for tests",
            knobs={"drive": 0.5},
            loudness_db=None,
            validation_esr=None,
            provenance={"generator": "tests/data/make_tiny_preset.py", "seed": 2024},
            date="2026-11-26T00:00:00+00:00",
        ),
    )
    preset.save(HERE / "tiny.nfx")
    model = PedalNet.from_weights(config, weights).double()
    with torch.no_grad():
        golden = model.forward_causal(torch.from_numpy(golden_input()).double()[None])[0].numpy()
    np.save(HERE / "tiny_golden.npy", golden.astype(np.float32), allow_pickle=False)


if __name__ == "__main__":
    main()
