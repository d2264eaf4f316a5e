"""Export a trained network as a preset: a `.nfx` (safetensors: no pickle, nothing executable) or a
`.nam` file that NAM's plugin and players load."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from neuralfx import NeuralPedal
from neuralfx.loudness import preset_loudness_db, reference_signal
from neuralfx.nam.export import nam_file_of
from neuralfx.nam.writer import nam_document, wavenet_version, write_nam
from neuralfx.preset import NAM_SUFFIX, Preset, PresetMetadata

from .evaluate import predict
from .nam_model import NamWaveNet

if TYPE_CHECKING:
    from .architectures import Network

ENGINE_TOLERANCE = 1e-5
CHECK_SECONDS = 0.5


def engine_mismatch(model: Network, preset: Preset, x: np.ndarray) -> float:
    """Largest |torch − engine| over the output for `x` (both starting from silence, knobs at
    their defaults)."""
    knobs = np.array([knob.scaled(knob.default) for knob in model.knobs], np.float32)
    expected = predict(model, x, knobs=knobs)
    actual = preset.model.stream().process(np.asarray(x, np.float32))
    return float(np.max(np.abs(actual - expected), initial=0.0))


def export_preset(
    model: Network,
    sample_rate: int,
    path: Path,
    *,
    name: str,
    pedal: str,
    knobs: dict[str, float | str] | None = None,
    validation_esr: float | None = None,
    provenance: dict | None = None,
) -> Preset:
    """Write `model` as a preset at `path` (atomically; a .nam file when its suffix says so) and
    return it.

    `loudness_db` is measured with the engine on the reference signal. Before writing, the
    engine's output is checked against the torch model (≤ 1e-5), so a preset never plays
    differently from what was validated.
    """
    path = Path(path)
    preset = Preset(
        model=model.engine_model(),
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
        raise RuntimeError(f"the engine differs from the torch model by {mismatch:.3g}: not exporting")
    preset.metadata.loudness_db = round(preset_loudness_db(NeuralPedal(preset), preset.sample_rate), 2)
    return write_preset(model, preset, path)


def write_preset(model: Network, preset: Preset, path: Path) -> Preset:
    """Write `preset` (made from `model`) at `path`, atomically: a .nam file when its suffix says
    so (NAM's metadata; the provenance stays in the training report), else a .nfx."""
    path = Path(path)
    if path.suffix.lower() != NAM_SUFFIX:
        preset.save(path)
    elif isinstance(model, NamWaveNet):
        config, rate, metadata = model.config, preset.sample_rate, preset.metadata
        write_nam(path, nam_document("WaveNet", config, model.flat_weights(), rate, metadata, wavenet_version(config)))
    else:
        write_nam(path, nam_file_of(preset))
    preset.path = path
    return preset
