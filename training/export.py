"""Export a trained model as a `.nfx` preset (safetensors: no pickle, nothing executable)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from neuralfx import NeuralPedal
from neuralfx.loudness import preset_loudness_db, reference_signal
from neuralfx.models import PedalNetModel
from neuralfx.preset import Preset, PresetMetadata

from .evaluate import predict
from .model import PedalNet

ENGINE_TOLERANCE = 1e-5
CHECK_SECONDS = 0.5


def engine_mismatch(model: PedalNet, preset: Preset, x: np.ndarray) -> float:
    """Largest |torch − numpy engine| over the output for `x` (both starting from silence, knobs
    at their defaults)."""
    knobs = np.array([knob.scaled(knob.default) for knob in model.config.knobs], np.float32)
    expected = predict(model, x, knobs=knobs)
    actual = preset.model.stream().process(np.asarray(x, np.float32))
    return float(np.max(np.abs(actual - expected), initial=0.0))


def export_preset(
    model: PedalNet,
    sample_rate: int,
    path: Path,
    *,
    name: str,
    pedal: str,
    knobs: dict[str, float | str] | None = None,
    validation_esr: float | None = None,
    provenance: dict | None = None,
) -> Preset:
    """Write `model` as a preset at `path` (atomically) and return it.

    `loudness_db` is measured with the numpy engine on the reference signal. Before writing, the
    engine's output is checked against the torch model (≤ 1e-5), so a preset never plays
    differently from what was validated.
    """
    preset = Preset(
        model=PedalNetModel(model.config, model.to_weights()),
        sample_rate=int(sample_rate),
        metadata=PresetMetadata(
            name=name,
            pedal=pedal,
            knobs=dict(knobs or {}),
            validation_esr=None if validation_esr is None else float(validation_esr),
            provenance=dict(provenance or {}),
            date=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        ),
    )
    probe = reference_signal(preset.sample_rate)[: round(CHECK_SECONDS * preset.sample_rate)]
    mismatch = engine_mismatch(model, preset, probe)
    if not mismatch <= ENGINE_TOLERANCE:
        raise RuntimeError(f"the numpy engine differs from the torch model by {mismatch:.3g}: not exporting")
    preset.metadata.loudness_db = round(preset_loudness_db(NeuralPedal(preset), preset.sample_rate), 2)
    preset.save(path)
    preset.path = Path(path)
    return preset
