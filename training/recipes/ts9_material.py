"""What the TS9 recipes train and test on: DI made by `neuralfx_training.material`, rendered through
the reference TS9 (guitarix's GxTubeScreamer), and the held-out measurement every TS9 preset reports.

- Training DI: 30 s of our string model ("ks", seed 1) then 150 s of TimGM6mb DI (seed 0), each
  section peaking between −18 and −3 dBFS. `neuralfx train` holds out the last 10 % (TimGM6mb)
  for validation, which picks the best epoch.
- Held-out test: 20 s of FluidR3_GM DI with other playing (seed 7): another sound source and other
  notes, never seen in training or model selection. A preset's held-out ESR is the plain ESR of
  its own engine from silence, like a freshly reset pedal, against the rendered target with the
  emulation's drifting DC offset removed (20 Hz zero-phase high-pass, as the trainer does to its
  targets); the figure without that high-pass is recorded as well.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import soundfile

from neuralfx.fileio import atomic_path
from neuralfx.nam.writer import with_metadata, write_nam
from neuralfx.preset import NAM_SUFFIX, Preset, load_preset

from ..data import highpass_zero_phase
from ..loss import esr_grade, plain_esr
from ..material import make_di
from ..reference_pedal import render_ts9

SAMPLE_RATE = 48000
TRAINING_DI = (("ks", 30.0, 1), ("timgm6mb", 150.0, 0))  # (source, seconds, seed), in this order
HELD_OUT_DI = ("fluidr3", 20.0, 7)
PEDAL = (
    "Ibanez TS9 Tube Screamer as emulated by guitarix's GxTubeScreamer (LV2 ts9sim), rendered offline; "
    "not a hardware pedal"
)
DI_FILES = ("training_di.wav", "held_out_di.wav")
TRAINING_DATA = [f"{s:.0f} s {src} DI, seed {sd}, section peaks -18 to -3 dBFS" for src, s, sd in TRAINING_DI]
HELD_OUT_DESCRIPTION = (
    f"{HELD_OUT_DI[1]:.0f} s of {HELD_OUT_DI[0]} DI (seed {HELD_OUT_DI[2]}) through the same pedal: another sound "
    "source and other playing than training. Plain ESR of the preset's own engine from silence, against the "
    "rendered target with its drifting DC removed by a 20 Hz zero-phase high-pass"
)


def di_material(workdir: Path, di_folder: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(training DI, held-out DI), float32 at SAMPLE_RATE: made here (it needs fluidsynth and the
    General MIDI soundfonts), or read from `di_folder`, where an earlier run wrote them (`DI_FILES`
    in its workdir): the same samples, for a machine without fluidsynth."""
    if di_folder is not None:
        return tuple(_read(di_folder / name) for name in DI_FILES)  # type: ignore[return-value]
    training = np.concatenate([make_di(s, SAMPLE_RATE, source, seed) for source, s, seed in TRAINING_DI])
    source, seconds, seed = HELD_OUT_DI
    held_out = make_di(seconds, SAMPLE_RATE, source, seed)
    for name, audio in zip(DI_FILES, (training, held_out), strict=True):
        write_float(workdir / name, audio)
    return training, held_out


def _read(path: Path) -> np.ndarray:
    audio, rate = soundfile.read(path, dtype="float32")
    if rate != SAMPLE_RATE or audio.ndim != 1:
        raise ValueError(f"{path}: the recipes' DI is mono at {SAMPLE_RATE} Hz, got {audio.shape} at {rate} Hz")
    return audio


def write_float(path: Path, audio: np.ndarray) -> Path:
    """Write mono float32 audio as a 32-bit float WAV, atomically."""
    with atomic_path(path) as tmp:
        soundfile.write(tmp, audio, SAMPLE_RATE, subtype="FLOAT", format="WAV")
    return path


def render_pair(di: np.ndarray, folder: Path, stem: str, **knobs: float) -> tuple[Path, Path]:
    """Write `stem`_dry.wav and `stem`_wet.wav (32-bit float): `di` and the TS9 at `knobs`."""
    wet = render_ts9(di, SAMPLE_RATE, **knobs)
    return write_float(folder / f"{stem}_dry.wav", di), write_float(folder / f"{stem}_wet.wav", wet)


def held_out_target(wet: np.ndarray) -> np.ndarray:
    """The pedal's rendered output `wet` without its drifting DC offset: what a preset is scored against."""
    return highpass_zero_phase(wet, SAMPLE_RATE)


def held_out_esr(played: np.ndarray, wet: np.ndarray) -> dict:
    """The held-out figures of a preset's output `played` against the pedal's rendered output `wet`."""
    esr = plain_esr(played, held_out_target(wet))
    return {"esr": esr, "grade": esr_grade(esr), "esr_without_dc_removal": plain_esr(played, wet)}


def trained_run(workdir: Path, file_name: str) -> tuple[Preset, dict, Path]:
    """(preset, report, report folder) of the run an earlier call trained in `workdir`: a recipe's
    --from-workdir measures and publishes on another machine than the one that trained."""
    report_dir = workdir / "report"
    report = json.loads((report_dir / "report.json").read_text())
    return load_preset(workdir / file_name), report, report_dir


def publish(preset: Preset, trained: Path, destination: Path, report_dir: Path) -> Path:
    """Write `preset`, its metadata measured, at `destination` (a .nfx as such, a .nam as the
    `trained` file with NAM's metadata for it), and the run's plots into the folder beside it,
    named after it. Returns that folder."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    if destination.suffix.lower() == NAM_SUFFIX:
        write_nam(destination, with_metadata(json.loads(trained.read_text()), preset.metadata))
    else:
        preset.save(destination)
    plots = destination.with_suffix("")
    plots.mkdir(exist_ok=True)
    for png in report_dir.glob("*.png"):
        with atomic_path(plots / png.name) as tmp:
            shutil.copyfile(png, tmp)
    return plots
