"""`neuralfx export-nam`: a PedalNet preset written as a .nam file plays the same in our NAM engine
and in NAM's own (NAM Core), with NAM's metadata; what NAM cannot express is refused with why."""

import json

import numpy as np
import pytest
from conftest import TINY_PRESET, guitarish, make_preset
from nam_helpers import TINY_WAVENETS, namrun_render, random_weights, require_namrun
from test_knob_conditioning import conditioned

from neuralfx import NeuralPedal, load_preset
from neuralfx.cli import main
from neuralfx.nam.fields import Node
from neuralfx.nam.wavenet import pack_weights, parse_wavenet_config, unpack_weights
from neuralfx.preset import Preset, PresetMetadata

SR = 48000


@pytest.mark.parametrize("preset", [str(TINY_PRESET), "ts9"])
def test_an_exported_pedalnet_plays_the_same(preset, tmp_path, capsys):
    source = load_preset(preset)
    output = tmp_path / "out.nam"
    assert main(["export-nam", preset, "-o", str(output)]) == 0
    assert f"wrote {output}" in capsys.readouterr().out
    x = guitarish(1.0, seed=3)[0]
    expected = source.model.stream().process(x)
    exported = load_preset(output)
    assert np.abs(exported.model.stream().process(x) - expected).max() <= 1e-5
    assert (exported.sample_rate, exported.metadata.name) == (source.sample_rate, source.name)
    assert exported.metadata.loudness_db == source.metadata.loudness_db
    document = json.loads(output.read_text())
    assert document["version"] == "0.7.0" and document["metadata"]["gear_model"] == source.metadata.pedal
    if source.metadata.validation_esr is not None:
        assert document["metadata"]["training"]["validation_esr"] == source.metadata.validation_esr
    # NAM's plugin plays it raw by default in neuralfx's own terms: the same output at the same level.
    np.testing.assert_allclose(NeuralPedal(exported, output_mode="raw")(x, SR), NeuralPedal(source)(x, SR), atol=1e-5)


@pytest.mark.parametrize("preset", [str(TINY_PRESET), "ts9"])
def test_nam_core_plays_an_exported_pedalnet(preset, tmp_path):
    require_namrun()
    output = tmp_path / "out.nam"
    assert main(["export-nam", preset, "-o", str(output)]) == 0
    x = guitarish(1.0, seed=4)[0]
    expected = load_preset(preset).model.stream().process(x)
    assert np.abs(namrun_render(output, x, tmp_path) - expected).max() <= 1e-5


def test_what_nam_cannot_express_is_refused_with_why(tmp_path, capsys):
    _, model = conditioned("film")
    knobs = Preset(model, SR, PresetMetadata(name="dials")).save(tmp_path / "dials.nfx")
    assert main(["export-nam", str(knobs), "-o", str(tmp_path / "x.nam")]) == 1
    assert "takes knobs (drive, tone) as inputs, which NAM's format cannot express" in capsys.readouterr().err
    make_preset().save(tmp_path / "mine.nfx")
    (tmp_path / "taken.nam").write_text("{}")
    assert main(["export-nam", str(tmp_path / "mine.nfx"), "-o", str(tmp_path / "taken.nam")]) == 1
    assert "exists: pass --force" in capsys.readouterr().err
    assert not (tmp_path / "x.nam").exists()


@pytest.mark.parametrize("name", sorted(TINY_WAVENETS))
def test_packing_weights_is_unpacking_backwards(name):
    spec = parse_wavenet_config(Node(TINY_WAVENETS[name], "config"))
    flat = random_weights(spec.weight_count(), seed=len(name))
    np.testing.assert_array_equal(pack_weights(spec, unpack_weights(spec, flat)), flat)
