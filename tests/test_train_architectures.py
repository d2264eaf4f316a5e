"""`neuralfx train --architecture`: NAM's network shapes train in the same loop as the PedalNet,
the torch model and the engine that plays the preset agree for every architecture, a NAM shape is
written as a .nam file that NAM's own engine plays, and what cannot work is refused before
anything is read or trained."""

import json

import numpy as np
import pytest
from nam_helpers import NAM_DATA, namrun_render, require_namrun, shared_nam_data
from test_train_learns_soft_clipper import best_linear_fit_esr
from training_pairs import RATE, dry, soft_clipper, write_captures, write_pair

from neuralfx import load_preset
from neuralfx.cli import main
from neuralfx.nam.writer import A1_VERSION, A2_VERSION
from neuralfx_training.architectures import ARCHITECTURES, NAM_CONFIGS, build_network
from neuralfx_training.data import prepare_pair
from neuralfx_training.evaluate import predict
from neuralfx_training.loop import Trainer
from neuralfx_training.settings import TrainSettings
from neuralfx_training.train import train, train_captures


def test_nam_shapes_are_nams_own_key_for_key():
    shared_nam_data()
    standard = json.loads((NAM_DATA / "wavenet_a1_standard.nam").read_text())
    assert NAM_CONFIGS["nam-standard"] == standard["config"]
    submodels = json.loads((NAM_DATA / "a2.nam").read_text())["config"]["submodels"]
    assert [NAM_CONFIGS["nam-a2-lite"], NAM_CONFIGS["nam-a2-full"]] == [s["model"]["config"] for s in submodels]


# Weights and receptive fields that NAM's files and notes/nam-format.md give; the lighter A1 shapes
# hear as far as the standard one: 1 + 2 × (1 + 2 + … + 64 + 128 + 256 + 512 + 1 + 2 + … + 512).
SIZES = {
    "nam-standard": (13802, 4093),
    "nam-lite": (None, 4093),
    "nam-feather": (None, 4093),
    "nam-nano": (None, 4093),
    "nam-a2-lite": (1871, 6347),
    "nam-a2-full": (12146, 6347),
}


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_the_torch_model_and_the_engine_agree(architecture):
    network = build_network(TrainSettings(architecture=architecture))
    described = network.describe()
    if architecture in SIZES:
        weights, receptive_field = SIZES[architecture]
        assert described["receptive_field"] == receptive_field
        assert weights in (None, described["parameters"])
    x = dry(0.5, seed=1)
    expected = predict(network, x)
    played = network.engine_model().stream().process(x)
    assert np.abs(expected).max() > 1e-3  # a freshly initialised network is not silent
    assert np.abs(played - expected).max() <= 1e-6 * max(1.0, np.abs(expected).max())


# Measured over seeds 0-2: feather 0.0008-0.0012 in 16 epochs (13 s), the 3-channel A2 0.0021-0.0055
# in 32 (26 s); the best linear filter scores 0.13.
@pytest.mark.parametrize(("architecture", "epochs", "bound"), [("nam-feather", 16, 0.01), ("nam-a2-lite", 32, 0.02)])
def test_a_nam_shape_learns_a_soft_clipper(tmp_path, architecture, epochs, bound):
    x = dry(10.0, seed=3)
    data = prepare_pair(*write_pair(tmp_path, x, soft_clipper(x)), validation_s=2.0)
    settings = TrainSettings(architecture=architecture, epochs=epochs, window=2048, learning_rate=1e-2)
    result = Trainer(data, settings, log=lambda message: None, progress=False).run()
    start, stop = data.validation
    linear = best_linear_fit_esr(data.input[start:stop].astype(np.float64), data.target[start:stop])
    assert linear > 0.1
    assert result.validation_esr < bound


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pair")
    x = dry(7.0, seed=5)
    return write_pair(folder, x, soft_clipper(x))


@pytest.mark.parametrize(("architecture", "version"), [("nam-nano", A1_VERSION), ("nam-a2-lite", A2_VERSION)])
def test_train_writes_a_nam_file(tmp_path, pair, architecture, version):
    output = tmp_path / "mine.nam"
    args = ["train", "--input", str(pair[0]), "--target", str(pair[1]), "-o", str(output), "--architecture",
            architecture, "--epochs", "1", "--window", "2048", "--validation-s", "1", "--name", "Mine"]  # fmt: skip
    assert main(args) == 0
    document = json.loads(output.read_text())
    assert (document["version"], document["architecture"]) == (version, "WaveNet")
    assert document["config"] == NAM_CONFIGS[architecture]
    preset = load_preset(output)
    report = json.loads((tmp_path / "mine.training" / "report.json").read_text())
    assert preset.metadata.name == "Mine"
    assert preset.metadata.validation_esr == pytest.approx(report["validation"]["esr"], rel=1e-6)
    assert document["metadata"]["loudness"] == pytest.approx(preset.metadata.loudness_db)
    assert report["model"]["multiply_adds_per_sample"] == preset.model.multiply_adds


@pytest.mark.parametrize("architecture", ["nam-nano", "nam-a2-lite"])
def test_nam_core_plays_a_trained_nam_file(tmp_path, pair, architecture):
    require_namrun()
    settings = TrainSettings(architecture=architecture, epochs=1, window=2048, validation_s=1.0)
    run = train(*pair, tmp_path / "mine.nam", settings, ignore_checks=True, log=lambda message: None)
    x = dry(1.0, seed=6)
    ours = load_preset(tmp_path / "mine.nam").model.stream().process(x)
    np.testing.assert_allclose(ours, predict(run.result.model, x), atol=1e-6)
    assert np.abs(namrun_render(tmp_path / "mine.nam", x, tmp_path, rate=RATE) - ours).max() <= 1e-5


def test_what_cannot_work_is_refused_before_anything_is_read(tmp_path):
    missing = tmp_path / "not-recorded.wav"
    with pytest.raises(ValueError, match="--channels sizes the pedalnet architecture; nam-lite has NAM's shape"):
        TrainSettings(architecture="nam-lite", channels=8)
    with pytest.raises(ValueError, match="--architecture must be one of pedalnet, nam-standard, .*got 'wavenet'"):
        TrainSettings(architecture="wavenet")
    nam = TrainSettings(architecture="nam-nano")
    with pytest.raises(ValueError, match=r"mine.nfx: a nam-nano preset is written as \.nam$"):
        train(missing, missing, tmp_path / "mine.nfx", nam)
    with pytest.raises(ValueError, match="nam-nano takes no knobs: train a pedal's knobs with --architecture pedalnet"):
        train_captures(tmp_path / "captures.json", tmp_path / "dials.nam", nam)
    manifest = write_captures(tmp_path, [(0, 5), (10, 5)], [])
    with pytest.raises(ValueError, match="NAM's format has no knobs: write a preset with knobs as .nfx"):
        train_captures(manifest, tmp_path / "dials.nam", TrainSettings())
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".wav") == ["captures.json"]
