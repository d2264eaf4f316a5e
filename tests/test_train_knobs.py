"""Training a pedal with knobs from captures at several settings: the network learns every
setting, plays one it never heard between them, and the report shows the ESR of each."""

import json

import numpy as np
import pytest
import soundfile as sf
from training_pairs import RATE, dial_pedal, write_captures

from neuralfx import NeuralPedal
from neuralfx.cli import main
from neuralfx_training.captures import read_captures
from neuralfx_training.checks import DataError
from neuralfx_training.loss import plain_esr
from neuralfx_training.settings import TrainSettings
from neuralfx_training.train import train_captures

GRID = [(drive, tone) for drive in (0, 5, 10) for tone in (0, 5, 10)]
UNSEEN = [(7.5, 2.5)]


def test_a_pedal_with_knobs_learns_every_setting_and_one_between(tmp_path):
    manifest = write_captures(tmp_path, GRID, UNSEEN)
    settings = TrainSettings(channels=8, dilation_depth=4, repeats=1, epochs=20, window=2048, learning_rate=1e-2,
                             final_learning_rate=1e-4, validation_s=1.0)  # fmt: skip
    run = train_captures(manifest, tmp_path / "dials.nfx", settings, log=lambda message: None)

    rows = run.report["settings_esr"]
    assert [(r["knobs"]["drive"], r["knobs"]["tone"], r["trained"]) for r in rows] == [
        *((d, t, True) for d, t in GRID),
        (7.5, 2.5, False),
    ]
    # Measured: 0.0003–0.005 on the grid, 0.033 between (about 30 s of training); a linear model
    # of one setting scores above 0.1.
    assert max(r["esr"] for r in rows if r["trained"]) < 0.02
    assert rows[-1]["esr"] < 0.1
    assert run.result.validation_esr == pytest.approx(np.mean([r["esr"] for r in rows]))
    assert (run.report_dir / "settings.png").stat().st_size > 10_000

    knobs = run.preset.model.config.knobs
    assert [(k.name, k.trained) for k in knobs] == [("drive", (0, 5, 10)), ("tone", (0, 5, 10))]
    # The exported preset plays each setting as the validation measured it.
    x, _ = sf.read(tmp_path / "di.wav", dtype="float32")
    tail = slice(len(x) - RATE, len(x))
    for drive, tone in [(10, 0), (7.5, 2.5)]:
        played = NeuralPedal(run.preset, drive=drive, tone=tone)(x, RATE)[tail]
        assert plain_esr(played, dial_pedal(x, drive, tone)[tail]) < (0.02 if (drive, tone) in GRID else 0.1)


def test_the_cli_trains_from_a_manifest(tmp_path):
    manifest = write_captures(tmp_path, [(0, 5), (10, 5)], [])
    output = tmp_path / "dials.nfx"
    args = ["train", "--captures", str(manifest), "-o", str(output), "--epochs", "1", "--window", "2048",
            "--channels", "4", "--dilation-depth", "3", "--repeats", "1", "--validation-s", "1"]  # fmt: skip
    assert main(args) == 0
    assert [p.name for p in NeuralPedal.from_preset(output).model_parameters] == ["drive", "tone"]
    assert main(["train", "--captures", str(manifest), "--input", "x.wav", "-o", str(output)]) == 1


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda m: m.update(format="other"), "not a captures manifest"),
        (lambda m: m["captures"][0]["knobs"].pop("tone"), r"sets \['drive'\], the knobs are \['drive', 'tone'\]"),
        (lambda m: m["captures"][1]["knobs"].update(drive=11), "drive 11 lies outside 0..10"),
        (lambda m: m["captures"][0].update(gain=3), "capture 0: unknown field 'gain'"),
        (lambda m: [c.update(held_out=True) for c in m["captures"]], "nothing is left to train on"),
        (lambda m: m["knobs"][0].update(default=12), "default between them"),
    ],
)
def test_a_bad_manifest_says_what_is_wrong(tmp_path, change, problem):
    manifest = write_captures(tmp_path, [(0, 5), (10, 5)], [])
    data = json.loads(manifest.read_text())
    change(data)
    manifest.write_text(json.dumps(data))
    with pytest.raises(DataError, match=problem) as error:
        read_captures(manifest)
    assert str(error.value).startswith(str(manifest))
