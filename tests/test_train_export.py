"""An exported preset plays exactly like the torch model it came from (numpy engine ≤ 1e-5),
holds its metadata, and is a safetensors file, not a pickle."""

import numpy as np
import torch
from conftest import guitarish

from neuralfx import NeuralPedal
from neuralfx.loudness import preset_loudness_db
from neuralfx.models import PedalNetConfig
from neuralfx.preset import load_preset
from neuralfx_training.evaluate import predict
from neuralfx_training.export import export_preset
from neuralfx_training.model import PedalNet


def test_the_exported_preset_plays_like_the_torch_model(tmp_path):
    torch.manual_seed(3)
    model = PedalNet(PedalNetConfig())  # the 24×16 PedalNet, torch's default init
    path = tmp_path / "ts9.nfx"
    exported = export_preset(
        model,
        48000,
        path,
        name="TS9 test",
        pedal="nothing: an untrained model",
        knobs={"drive": 0.5, "tone": 550.0},
        validation_esr=0.0123,
        provenance={"seed": 3},
    )
    x = guitarish(2.0, 48000, seed=8)[0]
    expected = predict(model, x)
    assert 0.01 < np.abs(expected).max() < 10  # unit scale, so 1e-5 is a meaningful bound
    played = NeuralPedal.from_preset(path)(x, 48000)
    assert np.abs(played - expected).max() <= 1e-5

    loaded = load_preset(path)
    meta = loaded.metadata
    assert (meta.name, meta.pedal, meta.knobs, meta.validation_esr) == (
        "TS9 test",
        "nothing: an untrained model",
        {"drive": 0.5, "tone": 550.0},
        0.0123,
    )
    assert meta.provenance == {"seed": 3} and meta.date == exported.metadata.date
    assert meta.loudness_db == round(preset_loudness_db(NeuralPedal(loaded), 48000), 2)
    assert loaded.sample_rate == 48000 and loaded.model.config == PedalNetConfig()
    assert path.read_bytes()[8:9] == b"{"  # safetensors: a length, then a JSON header; no pickle
