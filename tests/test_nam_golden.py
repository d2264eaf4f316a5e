"""NAM's own engine as the reference: the .nam files and golden renders in ../shared/data/nam
(rendered by NAM Core, exact tanh, reset at 48 kHz), played here in odd and varying blocks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import soundfile as sf
from conftest import ODD_BLOCKS, varying_blocks
from nam_helpers import shared_nam_data

from neuralfx.preset import load_preset

TOLERANCE = 2e-5  # two builds of NAM Core differ by up to 9.3e-6 (summation order)
GOLDENS = [
    ("wavenet_a1_standard.nam", None, "golden_out_wavenet_a1_standard.wav"),
    ("lstm.nam", None, "golden_out_lstm.wav"),
    ("a2.nam", 0.25, "golden_out_a2_lite.wav"),
    ("a2.nam", 0.75, "golden_out_a2_full.wav"),
]


def _odd_blocks(total: int) -> list[int]:
    blocks, done = [], 0
    for n in itertools.cycle(ODD_BLOCKS):
        blocks.append(min(n, total - done))
        done += blocks[-1]
        if done == total:
            return blocks


def _stream(preset, size, x, blocks):
    stream = preset.model.stream()
    if size is not None:
        stream.set_parameter("model_size", size)
        stream.reset()  # start at that size (a switch while playing would crossfade)
    out, start = np.empty_like(x), 0
    for n in blocks:
        stream.process(x[start : start + n], out[start : start + n])
        start += n
    return out


@pytest.mark.parametrize(("model", "size", "golden"), GOLDENS, ids=[g[2][11:-4] for g in GOLDENS])
def test_matches_nam_core_at_any_block_sizes(model, size, golden):
    data = shared_nam_data()
    x = sf.read(data / "golden_in.wav", dtype="float32")[0]
    expected = sf.read(data / golden, dtype="float32")[0]
    preset = load_preset(data / model)
    assert preset.sample_rate == 48000
    for blocks in ([x.size], _odd_blocks(x.size), varying_blocks(x.size, seed=7)):
        out = _stream(preset, size, x, blocks)
        assert np.abs(out - expected).max() <= TOLERANCE, (model, size, blocks[:5])
    assert np.abs(expected).max() > 0.02


def test_a2_container_maps_sizes_like_nam():
    preset = load_preset(shared_nam_data() / "a2.nam")
    model = preset.model
    assert [s.max_value for s in model.submodels] == [0.5, 1.0]
    assert [model.index_for(v) for v in (0.0, 0.25, 0.4999, 0.5, 0.75, 1.0)] == [0, 0, 0, 1, 1, 1]
    assert model.parameters[0].name == "model_size" and model.parameters[0].default == 0.0
    assert [s.model.num_parameters for s in model.submodels] == [1871, 12146]
    assert [s.model.memory_samples for s in model.submodels] == [6346, 6346]
    loudness = [s.metadata.loudness_db for s in model.submodels]
    assert loudness == pytest.approx([-24.038164, -26.383900])
    assert preset.metadata.loudness_db == pytest.approx(-26.383900)  # the file's own: the full model's
