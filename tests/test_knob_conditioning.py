"""Networks with knobs: the numpy engine plays the torch model's maths at any knob position and
block size, folds still knobs into its weights, sweeps smoothly, and a preset keeps its knobs."""

import numpy as np
import pytest
import torch
from conftest import ODD_BLOCKS, guitarish, stream, varying_blocks

from neuralfx import Chain, NeuralPedal
from neuralfx.models import PedalNetConfig, PedalNetModel
from neuralfx.models.pedalnet import Knob
from neuralfx.preset import Preset, PresetMetadata, load_preset
from neuralfx_training.model import PedalNet

KNOBS = (Knob("drive", 0, 10, 5, trained=(0, 2.5, 5, 7.5, 10)), Knob("tone", 0, 10, 5))
SR = 48000


def conditioned(conditioning: str, seed: int = 0) -> tuple[PedalNet, PedalNetModel]:
    config = PedalNetConfig(channels=6, dilations=(1, 2, 4, 8, 16), knobs=KNOBS, conditioning=conditioning)
    torch.manual_seed(seed)
    net = PedalNet(config)
    with torch.no_grad():  # trained networks have a conditioning that does something
        for weight in net.conditioning.parameters():
            weight.normal_(0, 0.5)
    return net, PedalNetModel(config, net.to_weights())


def torch_output(net: PedalNet, x: np.ndarray, drive: float, tone: float) -> np.ndarray:
    knobs = torch.tensor([[KNOBS[0].scaled(drive), KNOBS[1].scaled(tone)]], dtype=torch.float32)
    with torch.no_grad():
        return net.forward_causal(torch.from_numpy(x)[None], knobs)[0].numpy()


@pytest.mark.parametrize("conditioning", ["film", "bias"])
def test_the_engine_plays_the_torch_model_at_any_position_and_block_size(conditioning):
    net, model = conditioned(conditioning)
    x = np.random.default_rng(1).uniform(-1, 1, 9000).astype(np.float32)
    for drive, tone in [(0, 0), (10, 2.5), (7.3, 9.1), (5, 5)]:
        expected = torch_output(net, x, drive, tone)
        engine = model.stream(settle=False)
        engine.set_parameter("drive", drive)
        engine.set_parameter("tone", tone)
        engine.reset()
        for blocks in ([len(x)], varying_blocks(len(x), seed=3), [ODD_BLOCKS[1]] * (len(x) // 17) + [len(x) % 17]):
            engine.reset()
            assert np.abs(stream(lambda a, reset, e=engine: e.process(a), x, blocks) - expected).max() <= 1e-5
    assert np.abs(torch_output(net, x, 0, 0) - torch_output(net, x, 10, 10)).max() > 0.05  # the knobs matter


def test_still_knobs_cost_nothing():
    _, model = conditioned("film")
    assert model.multiply_adds == PedalNetConfig(channels=6, dilations=(1, 2, 4, 8, 16)).multiply_adds()
    engine = model.stream()
    x = guitarish(0.1)[0]
    engine.process(x)
    calls = len(next(iter(engine._plans.values())))
    plain_engine = PedalNetModel(
        PedalNetConfig(channels=6, dilations=(1, 2, 4, 8, 16)), {k: v for k, v in model.weights.items()
                                                                  if not k.startswith("conditioning")}
    ).stream()  # fmt: skip
    plain_engine.process(x)
    assert calls == len(next(iter(plain_engine._plans.values())))  # the same numpy calls per chunk


def test_a_sweep_is_smooth():
    """Drive from 0 to 10 in 100 ms, set once per 256-sample block, on a steady tone: no step
    larger than the signal's own largest step with the knob held at either end, plus the sweep's
    even share of the distance between those two (a knob that jumped at block edges would step
    many times beyond that)."""
    _, model = conditioned("film")
    preset = Preset(model, SR, PresetMetadata(name="knobs"))
    t = np.arange(SR // 2) / SR
    x = (0.5 * np.sin(2 * np.pi * 110 * t)).astype(np.float32)
    held = [NeuralPedal(preset, drive=drive)(x, SR) for drive in (0.0, 10.0)]
    own = max(np.abs(np.diff(y)).max() for y in held)
    assert np.abs(held[0] - held[1]).max() > 10 * own  # the sweep has far to go
    pedal = NeuralPedal(preset, drive=0.0)
    out, sweep_start, block = [], SR // 10, 256
    for start in range(0, x.size, block):
        pedal.drive = 10.0 * min(max((start - sweep_start) / (SR / 10), 0.0), 1.0)
        out.append(pedal(x[start : start + block], SR, reset=start == 0))
    out = np.concatenate(out)
    assert np.abs(out[-SR // 10 :] - held[1][-SR // 10 :]).max() <= 1e-5  # it arrived
    assert np.abs(np.diff(out)).max() <= own + np.abs(held[0] - held[1]).max() / (SR / 10)


def test_a_preset_keeps_its_knobs_and_a_chain_its_positions(tmp_path):
    _, model = conditioned("bias")
    path = Preset(model, SR, PresetMetadata(name="TS9 knobs")).save(tmp_path / "knobs.nfx")
    loaded = load_preset(path)
    assert loaded.model.config.knobs == KNOBS and loaded.model.config.conditioning == "bias"
    assert [(p.name, p.minimum, p.maximum, p.default) for p in loaded.model.parameters] == [
        ("drive", 0, 10, 5),
        ("tone", 0, 10, 5),
    ]
    pedal = NeuralPedal(loaded, drive=7.5)
    assert (pedal.drive, pedal.tone) == (7.5, 5.0)
    with pytest.raises(ValueError, match="drive must be between 0 and 10"):
        pedal.drive = 11
    with pytest.raises(ValueError, match="no parameter 'gain'.*drive, tone"):
        NeuralPedal(loaded, gain=3)
    Chain([pedal]).save(tmp_path / "rig.json")
    again = Chain.load(tmp_path / "rig.json")[0]
    assert (again.drive, again.tone) == (7.5, 5.0)
    x = guitarish(0.2)
    np.testing.assert_array_equal(again(x, SR), NeuralPedal(loaded, drive=7.5)(x, SR))
