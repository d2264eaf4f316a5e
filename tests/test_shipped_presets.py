"""The shipped TS9 presets: each loads, plays the held-out DI through the reference pedal as its
report says (the held-out ESR measured again here, from the DI up), and the default preset is the
cheapest one within 1.5× of the best held-out ESR."""

import json
import shutil

import pytest

from neuralfx import NeuralPedal, load_preset
from neuralfx.preset import DEFAULT_PRESET, shipped_preset_dir
from neuralfx_training import material
from neuralfx_training.recipes.ts9_knobs import UNSEEN, pedal_knobs
from neuralfx_training.recipes.ts9_material import HELD_OUT_DI, SAMPLE_RATE, held_out_esr
from neuralfx_training.reference_pedal import NOON, plugin_bundle, render_ts9

AT_NOON = ["ts9.nfx", "ts9-lite.nam", "ts9-a2-full.nam", "ts9-a2-lite.nam"]


def report(name: str) -> dict:
    return json.loads((shipped_preset_dir() / name).with_suffix(".report.json").read_text())


@pytest.fixture(scope="module")
def held_out_di():
    if shutil.which("fluidsynth") is None:
        pytest.skip("fluidsynth is not installed (apt install fluidsynth fluid-soundfont-gm)")
    try:
        plugin_bundle()
        material.find_soundfont(HELD_OUT_DI[0])
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    source, seconds, seed = HELD_OUT_DI
    return material.make_di(seconds, SAMPLE_RATE, source, seed)


@pytest.mark.parametrize("name", AT_NOON)
def test_a_noon_preset_measures_what_its_report_says(held_out_di, name):
    preset = load_preset(shipped_preset_dir() / name)
    played = NeuralPedal(preset, output_mode="raw")(held_out_di, SAMPLE_RATE)
    measured = held_out_esr(played, render_ts9(held_out_di, SAMPLE_RATE, **NOON))
    recorded = report(name)["held_out"]
    assert measured["esr"] == pytest.approx(recorded["esr"], rel=1e-4)
    assert preset.metadata.validation_esr == pytest.approx(recorded["esr"], rel=1e-4)


@pytest.mark.parametrize("dials", [(5.0, 5.0), (10.0, 0.0), UNSEEN[-1]])
def test_the_knobs_preset_measures_what_its_report_says(held_out_di, dials):
    drive, tone = dials
    preset = load_preset(shipped_preset_dir() / "ts9-knobs.nfx")
    played = NeuralPedal(preset, drive=drive, tone=tone)(held_out_di, SAMPLE_RATE)
    measured = held_out_esr(played, render_ts9(held_out_di, SAMPLE_RATE, **pedal_knobs(drive, tone)))
    rows = report("ts9-knobs.nfx")["held_out"]["settings"]
    recorded = next(r for r in rows if (r["knobs"]["drive"], r["knobs"]["tone"]) == dials)
    assert measured["esr"] == pytest.approx(recorded["esr"], rel=1e-4)


def test_the_default_is_the_cheapest_within_one_and_a_half_times_the_best():
    costs = {name: load_preset(shipped_preset_dir() / name).model.multiply_adds for name in AT_NOON}
    esrs = {name: report(name)["held_out"]["esr"] for name in AT_NOON}
    close = [name for name in AT_NOON if esrs[name] <= 1.5 * min(esrs.values())]
    assert load_preset(DEFAULT_PRESET).path.name == min(close, key=costs.get) == "ts9-lite.nam"
