"""SlimmableContainer: the `model_size` parameter chooses a submodel as NAM does, a constant size
plays that submodel exactly, and a change of size listens, then crossfades without a click."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from conftest import guitarish
from nam_helpers import A1_PRESETS, TINY_WAVENETS, random_weights, shared_nam_data, wavenet_config

from neuralfx.models import ModelParameter
from neuralfx.nam.container import SIZE_CROSSFADE_MS
from neuralfx.nam.fields import Node
from neuralfx.nam.wavenet import parse_wavenet_config
from neuralfx.preset import load_preset

SUBMODELS = [(0.3, TINY_WAVENETS["nano"], -20.0), (0.7, TINY_WAVENETS["gated_two_arrays"], -22.0)]
SUBMODELS.append((1.0, wavenet_config(A1_PRESETS["feather"]), -24.0))
FADE = round(SIZE_CROSSFADE_MS * 48)  # samples at 48 kHz


@pytest.fixture
def container(tmp_path):
    entries = []
    for i, (max_value, config, loudness) in enumerate(SUBMODELS):
        count = parse_wavenet_config(Node(config, "config")).weight_count()
        model = {"version": "0.7.0", "architecture": "WaveNet", "config": config, "sample_rate": 48000}
        model |= {"weights": random_weights(count, 30 + i, 0.3).tolist(), "metadata": {"loudness": loudness}}
        entries.append({"max_value": max_value, "model": model})
    document = {"version": "0.7.0", "architecture": "SlimmableContainer", "config": {"submodels": entries}}
    document |= {"weights": [], "sample_rate": 48000.0, "metadata": {"name": "Three sizes", "gear_make": "Box"}}
    path = tmp_path / "three.nam"
    path.write_text(json.dumps(document))
    return load_preset(path)


def _alone(model, index, x):
    return model.submodels[index].model.stream().process(x)


def test_size_parameter_and_submodel_choice(container):
    model = container.model
    assert model.parameters == (
        ModelParameter("model_size", 0.0, 1.0, 0.0, "", model.parameters[0].description, False),
    )
    assert [model.index_for(v) for v in (0.0, 0.29, 0.3, 0.5, 0.69, 0.7, 1.0)] == [0, 0, 1, 1, 1, 2, 2]
    assert model.memory_samples == max(s.model.memory_samples for s in model.submodels)
    assert model.multiply_adds == max(s.model.multiply_adds for s in model.submodels)
    assert [s.metadata.loudness_db for s in model.submodels] == [-20.0, -22.0, -24.0]
    assert [s.metadata.pedal for s in model.submodels] == ["Box"] * 3  # inherited from the container
    assert container.metadata.name == "Three sizes"
    assert [d["max_value"] for d in model.describe()["submodels"]] == [0.3, 0.7, 1.0]


def test_constant_size_plays_that_submodel_exactly(container):
    x = guitarish(0.3, seed=1)[0]
    model = container.model
    np.testing.assert_array_equal(model.stream().process(x), _alone(model, 0, x))  # default: the smallest
    for size, index in ((0.5, 1), (1.0, 2)):
        stream = model.stream()
        stream.set_parameter("model_size", size)
        stream.reset()
        np.testing.assert_array_equal(stream.process(x), _alone(model, index, x))


@pytest.mark.parametrize("block", [64, 1000])
def test_switch_listens_then_crossfades(container, block):
    model = container.model
    x = guitarish(0.6, seed=2)[0]
    old, new = _alone(model, 0, x), _alone(model, 2, x)
    stream = model.stream()
    switch_at = 3 * block
    out = np.concatenate([stream.process(x[i : i + block]) for i in range(0, switch_at, block)])
    stream.set_parameter("model_size", 1.0)
    out = np.concatenate([out] + [stream.process(x[i : i + block]) for i in range(switch_at, x.size, block)])
    listen = model.submodels[2].model.memory_samples
    fade_from = switch_at + listen
    fade_to = fade_from + FADE
    # unheard while it listens
    np.testing.assert_array_equal(out[:fade_from], old[:fade_from])
    # a linear crossfade: it has heard its whole memory, so it plays exactly as if it always had
    gain = np.arange(1, FADE + 1) / FADE
    expected = old[fade_from:fade_to] + gain * (new[fade_from:fade_to] - old[fade_from:fade_to])
    assert np.abs(out[fade_from:fade_to] - expected).max() <= 1e-6
    assert np.abs(out[fade_to:] - new[fade_to:]).max() <= 1e-6
    assert stream.playing == 2


def test_changes_during_a_switch(container):
    model = container.model
    x = guitarish(0.5, seed=3)[0]
    stream = model.stream()
    stream.process(x[:100])
    stream.set_parameter("model_size", 1.0)  # submodel 2 starts listening (for its memory: 2,000+ samples)
    stream.process(x[100:200])
    stream.set_parameter("model_size", 0.1)  # back to the playing one: the unheard switch is dropped
    out = stream.process(x[200:])
    np.testing.assert_array_equal(out, _alone(model, 0, x)[200:])

    stream = model.stream()
    stream.set_parameter("model_size", 0.5)
    stream.set_parameter("model_size", 0.9)  # replaces the still-unheard incoming submodel
    stream.process(x)
    assert stream.playing == 2

    stream = model.stream()
    stream.set_parameter("model_size", 0.5)
    memory = model.submodels[1].model.memory_samples
    stream.process(x[: memory + FADE // 2])  # halfway through the crossfade to 1
    stream.set_parameter("model_size", 1.0)  # waits for that crossfade, then switches again
    stream.process(x[memory + FADE // 2 : memory + FADE])
    assert stream.playing == 1
    stream.process(x[memory + FADE :])
    assert stream.playing == 2


def test_reset_completes_a_pending_switch(container):
    model = container.model
    x = guitarish(0.1, seed=4)[0]
    stream = model.stream()
    stream.process(x)
    stream.set_parameter("model_size", 0.5)
    stream.reset()
    np.testing.assert_array_equal(stream.process(x), _alone(model, 1, x))


def test_bad_parameters(container):
    stream = container.model.stream()
    with pytest.raises(KeyError, match="model_size"):
        stream.set_parameter("gain", 0.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        stream.set_parameter("model_size", 1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        stream.set_parameter("model_size", float("nan"))


def test_switching_the_shipped_a2_file_reaches_nam_cores_full_model():
    data = shared_nam_data()
    x = sf.read(data / "golden_in.wav", dtype="float32")[0]
    full = sf.read(data / "golden_out_a2_full.wav", dtype="float32")[0]
    stream = load_preset(data / "a2.nam").model.stream()
    out = np.empty_like(x)
    stream.process(x[:4800], out[:4800])  # 0.1 s of the 3-channel model
    stream.set_parameter("model_size", 0.75)
    for start in range(4800, x.size, 128):
        stream.process(x[start : start + 128], out[start : start + 128])
    done = 4800 + 6346 + FADE
    assert np.abs(out[done:] - full[done:]).max() <= 2e-5


def test_no_allocation_while_playing_or_switching(container):
    import tracemalloc

    stream = container.model.stream()
    x = np.random.default_rng(0).normal(0, 0.3, 4096).astype(np.float32)
    out = np.empty_like(x)
    for _ in range(3):
        stream.process(x, out)
    tracemalloc.start()
    stream.process(x, out)
    baseline = tracemalloc.get_traced_memory()[1]
    for i in range(40):
        if i % 10 == 5:  # switch between the smallest and the largest submodel
            stream.set_parameter("model_size", 1.0 if (i // 10) % 2 == 0 else 0.0)
        stream.process(x, out)
        stream.process(x[:17], out[:17])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak - baseline <= 1024  # views and scalars only: a block-sized array would be 16 kB
