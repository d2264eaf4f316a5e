"""Training from Python: `train()` turns an input/target pair into a preset, its report and plots.
`neuralfx train` and the recipes call it.

    from neuralfx_training.settings import TrainSettings
    from neuralfx_training.train import train

    run = train("capture.wav", "recorded.wav", "my_ts9.nfx", TrainSettings(time_budget_min=20), name="My TS9")
    print(run.result.validation_esr, run.report_dir)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

import neuralfx
from neuralfx.preset import NAM_SUFFIX, Preset

from .architectures import PEDALNET, check_output
from .captures import read_captures
from .data import DataError, TrainingSet, prepare_captures, prepare_pair
from .export import export_preset
from .loop import Trainer, TrainingResult
from .progress import say
from .report import build_report, write_json, write_plots
from .settings import TrainSettings

CHECKPOINT = "checkpoint.pt"


@dataclass
class TrainingRun:
    """What `train` made: the preset (written), the run's result, its report (written as
    report.json in `report_dir`, beside the plots) and the data it trained on."""

    preset: Preset
    result: TrainingResult
    report: dict
    report_dir: Path
    data: TrainingSet


def train(
    input_path: str | Path,
    target_path: str | Path,
    output: str | Path,
    settings: TrainSettings | None = None,
    *,
    name: str | None = None,
    pedal: str | None = None,
    knobs: dict[str, float | str] | None = None,
    report_dir: str | Path | None = None,
    resume: bool = False,
    ignore_checks: bool = False,
    force: bool = False,
    log: Callable[[str], None] = say,
) -> TrainingRun:
    """Train a preset on a dry input and the pedal's recorded output, and write it to `output`.

    Args:
        settings: the training options (default: `TrainSettings()`).
        name: the preset's display name (default: the output file's name).
        pedal: what was captured, said honestly.
        knobs: the pedal's knob settings at capture (recorded in the metadata).
        report_dir: where the report, plots and checkpoint go (default: beside the output).
        resume: continue from the report folder's checkpoint (and replace that run's preset).
        ignore_checks: train even if the data checks fail.
        force: start afresh even if `output` or the report folder's checkpoint exists (replacing
            them); without it, or `resume`, an existing one stops the run before it starts.
    Raises:
        ValueError (DataError, PresetError): the files or settings are unusable.
    """
    settings = settings or TrainSettings()
    output, report_dir = _claim_outputs(output, report_dir, settings, force, resume)
    input_path, target_path = Path(input_path), Path(target_path)
    data = prepare_pair(input_path, target_path, settings.latency, settings.validation_s, ignore_checks)
    sources = {"input": input_path.name, "target": target_path.name}
    pedal = pedal or f"captured from {target_path.name}"
    return _train(TrainingSet.of(data), sources, output, report_dir, settings, name, pedal, knobs, resume, log)


def train_captures(
    manifest: str | Path,
    output: str | Path,
    settings: TrainSettings | None = None,
    *,
    name: str | None = None,
    pedal: str | None = None,
    report_dir: str | Path | None = None,
    resume: bool = False,
    ignore_checks: bool = False,
    force: bool = False,
    log: Callable[[str], None] = say,
) -> TrainingRun:
    """Train a preset with knobs on a pedal captured at several settings (a manifest, see
    `neuralfx_training.captures`): the network takes the knobs' positions as inputs. Arguments
    as for `train`."""
    settings = settings or TrainSettings()
    output, report_dir = _claim_outputs(output, report_dir, settings, force, resume)
    if settings.architecture != PEDALNET:
        raise ValueError(f"{settings.architecture} takes no knobs: train a pedal's knobs with --architecture pedalnet")
    if output.suffix.lower() == NAM_SUFFIX:
        raise ValueError(f"{output}: NAM's format has no knobs: write a preset with knobs as .nfx")
    captures = read_captures(manifest)
    data = prepare_captures(captures, settings.latency, settings.validation_s, ignore_checks)
    sources = {"captures": Path(manifest).name, "settings": len(data.pairs), "unseen_settings": len(data.unseen)}
    pedal = pedal or f"captured at {len(captures.captures)} settings ({Path(manifest).name})"
    return _train(data, sources, output, report_dir, settings, name, pedal, None, resume, log)


def _claim_outputs(
    output: str | Path, report_dir: str | Path | None, settings: TrainSettings, force: bool, resume: bool
) -> tuple[Path, Path]:
    """(output, report folder), once the output is a file the architecture is written as, and
    neither holds an earlier run's work that this run would replace unasked: a preset at `output`
    or a checkpoint in the report folder."""
    output = Path(output)
    check_output(output, settings.architecture)
    report_dir = Path(report_dir) if report_dir else output.with_name(output.stem + ".training")
    if not (force or resume):
        for existing, what in ((output, "a preset"), (report_dir / CHECKPOINT, "the checkpoint of an earlier run")):
            if existing.exists():
                raise DataError(
                    f"{existing} exists ({what}): pass --force to replace it, --resume to continue that run, "
                    "or write elsewhere"
                )
    return output, report_dir


def _train(
    data: TrainingSet,
    sources: dict,
    output: Path,
    report_dir: Path,
    settings: TrainSettings,
    name: str | None,
    pedal: str,
    knobs: dict[str, float | str] | None,
    resume: bool,
    log: Callable[[str], None],
) -> TrainingRun:
    checkpoint = report_dir / CHECKPOINT
    if settings.threads:
        torch.set_num_threads(settings.threads)
    summary = data.summary()
    for pair in data.validated:
        at = f" ({pair.setting})" if pair.setting else ""
        alignment = pair.alignment
        log(f"latency{at}: the target lags the input by {alignment.delay_samples} samples ({alignment.method})")
        for finding in pair.findings:
            log(f"{finding.severity}{at}: {finding.message}")
        if pair.self_esr is not None:
            log(f"self-ESR of the two validation passes{at}: {pair.self_esr:.5f}")
    trainer = Trainer(data, settings, checkpoint_path=checkpoint, log=log)
    network = trainer.model.describe()
    log(
        f"training on {summary['training_s']:.1f} s, validating on {summary['validation_s']:.1f} s; "
        f"{settings.architecture}: {network['parameters']} parameters, receptive field "
        f"{network['receptive_field']} samples, {network['multiply_adds_per_sample']} multiply-adds per sample"
        + (f"; knobs {', '.join(k.name for k in data.knobs)}, {len(data.pairs)} settings" if data.knobs else "")
    )

    report_dir.mkdir(parents=True, exist_ok=True)
    result = trainer.run(resume=resume)
    log(
        f"best validation ESR {result.validation_esr:.4f} ({result.grade}) at epoch {result.best_epoch}; "
        f"{result.epochs} epochs in {result.elapsed_s / 60:.1f} min, {result.samples_per_s / 1e3:.0f}k samples/s, "
        f"stopped: {result.stopped}"
    )

    first = data.pairs[0].alignment
    provenance = {
        "trainer": "neuralfx train",
        "data": {**sources, **{key: summary[key] for key in ("training_s", "validation_s", "sample_rate")}},
        "latency_samples": first.delay_samples,
        "latency_method": first.method,
        "validation_esr_measured_on": data.validation_description,
        "epochs": result.epochs,
        "best_epoch": result.best_epoch,
        "training_time_s": round(result.elapsed_s, 1),
        "samples_per_s": round(result.samples_per_s),
        "device": result.device,
        "seed": settings.seed,
        "neuralfx_version": neuralfx.__version__,
        "torch_version": torch.__version__,
    }
    preset = export_preset(
        result.model,
        data.sample_rate,
        output,
        name=name or output.stem,
        pedal=pedal,
        knobs=dict(knobs or {}),
        validation_esr=result.validation_esr,
        provenance=provenance,
    )
    report = build_report(result, data, settings.to_dict(), preset=str(output), loudness_db=preset.metadata.loudness_db)
    write_json(report, report_dir / "report.json")
    write_plots(result, data, report_dir)
    log(f"wrote {output} (loudness {preset.metadata.loudness_db:.1f} dBFS) and its report in {report_dir}/")
    return TrainingRun(preset, result, report, report_dir, data)
