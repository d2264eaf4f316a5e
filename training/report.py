"""The training report: a JSON record of the run, and PNG plots of the loss curves, the
prediction against the target on validation (waveform and spectrum), and the latency alignment.

Plots use matplotlib's object API with the Agg canvas: no pyplot, no global backend switch.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from neuralfx.fileio import atomic_path, atomic_write_text

from .data import TrainingData, TrainingSet
from .loop import TrainingResult
from .loss import GRADES, esr_grade

PLOTS = ("loss.png", "prediction.png", "alignment.png")  # and settings.png for a pedal with knobs


def write_json(report: dict, path: Path) -> None:
    atomic_write_text(Path(path), json.dumps(report, indent=2, default=_jsonable) + "\n")


def _jsonable(value: object) -> object:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def save_figure(figure, path: Path) -> None:
    with atomic_path(Path(path)) as tmp:
        figure.savefig(tmp, dpi=110)


def write_plots(result: TrainingResult, data: TrainingSet, directory: Path) -> list[Path]:
    """Write PLOTS (and, for a pedal with knobs, settings.png: the ESR of each setting) into
    `directory` (created if needed). Returns their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    first = data.pairs[0]
    start, stop = first.validation
    title = f"validation{f' at {first.setting}' if first.setting else ''}: ESR {result.setting_esrs[0]:.4f}"
    prediction = prediction_figure(first.target[start:stop], result.validation_prediction, first.sample_rate, title)
    figures = {
        "loss.png": _loss_figure(result),
        "prediction.png": prediction,
        "alignment.png": _alignment_figure(first),
    }
    if data.knobs:
        rows = setting_esrs(data, result.setting_esrs)
        figures["settings.png"] = settings_figure(rows, [knob.name for knob in data.knobs])
    for name, figure in figures.items():
        save_figure(figure, directory / name)
    return [directory / name for name in figures]


def setting_esrs(data: TrainingSet, esrs: list[float]) -> list[dict]:
    """Each validated setting's knob positions, plain ESR and grade, and whether training heard it."""
    trained = len(data.pairs)
    return [
        {"knobs": pair.knobs, "esr": esr, "grade": esr_grade(esr), "trained": i < trained}
        for i, (pair, esr) in enumerate(zip(data.validated, esrs, strict=True))
    ]


def settings_figure(rows: list[dict], knobs: list[str], measured: str = "validation ESR"):
    """The ESR of every setting (`setting_esrs` rows): a Drive × Tone-style heat map for two knobs,
    else a bar chart. Settings never trained on are outlined."""
    figure, (axes,) = _figure(1, 5.0)
    if len(knobs) == 2:
        a, b = knobs
        columns = sorted({r["knobs"][a] for r in rows})
        lines = sorted({r["knobs"][b] for r in rows})
        grid = np.full((len(lines), len(columns)), np.nan)
        for r in rows:
            grid[lines.index(r["knobs"][b]), columns.index(r["knobs"][a])] = r["esr"]
        image = axes.imshow(np.log10(grid), origin="lower", cmap="viridis_r", aspect="auto")
        figure.colorbar(image, ax=axes, label="log10 plain ESR")
        for r in rows:
            x, y = columns.index(r["knobs"][a]), lines.index(r["knobs"][b])
            axes.text(x, y, f"{r['esr']:.4f}", ha="center", va="center", fontsize=7, color="white")
            if not r["trained"]:
                axes.add_patch(_outline(x, y))
        axes.set_xticks(range(len(columns)), [f"{v:g}" for v in columns])
        axes.set_yticks(range(len(lines)), [f"{v:g}" for v in lines])
        axes.set(xlabel=a, ylabel=b)
    else:
        labels = [", ".join(f"{name} {v:g}" for name, v in r["knobs"].items()) for r in rows]
        colours = ["C0" if r["trained"] else "C3" for r in rows]
        axes.bar(range(len(rows)), [r["esr"] for r in rows], color=colours)
        axes.set_xticks(range(len(rows)), labels, rotation=60, ha="right", fontsize=7)
        axes.set(yscale="log", ylabel="plain ESR")
    mean = float(np.mean([r["esr"] for r in rows]))
    axes.set_title(f"{measured} per setting (mean {mean:.4f}; outlined/red: never trained on)")
    return figure


def _outline(x: int, y: int):
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, edgecolor="red", lw=2)


def _figure(rows: int, height: float = 3.0):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, height * rows), layout="constrained")
    return figure, figure.subplots(rows, 1, squeeze=False)[:, 0]


def _loss_figure(result: TrainingResult):
    figure, (axes,) = _figure(1, 4.0)
    losses = np.asarray(result.step_losses)
    if losses.size:
        axes.semilogy(
            np.arange(1, losses.size + 1), losses, color="0.75", lw=0.6, label=f"training loss ({result.loss_name})"
        )
        width = max(1, losses.size // 100)
        smooth = np.convolve(losses, np.ones(width) / width, mode="valid")
        axes.semilogy(np.arange(width, losses.size + 1), smooth, color="C0", label="training loss (smoothed)")
    steps = [h["step"] for h in result.history]
    esrs = [h["validation_esr"] for h in result.history]
    axes.semilogy(steps, esrs, "o-", color="C3", ms=3, label="validation ESR (plain)")
    for bound, word in GRADES:
        axes.axhline(bound, color="0.5", ls=":", lw=0.8)
        axes.text(0, bound, f" {word} < {bound}", va="bottom", fontsize=8, color="0.4")
    axes.set(xlabel="step", ylabel="loss, ESR", title=f"training: best validation ESR {result.validation_esr:.4f}")
    axes.legend(loc="upper right", fontsize=8)
    return figure


def prediction_figure(target: np.ndarray, prediction: np.ndarray, sample_rate: int, title: str):
    """Target, prediction and error: the whole clip, its loudest 30 ms, and average spectra."""
    figure, (whole, zoom, spectrum) = _figure(3)
    t = np.arange(len(target)) / sample_rate
    whole.plot(t, target, color="C0", lw=0.5, label="target")
    whole.plot(t, target - prediction, color="C3", lw=0.5, label="error")
    whole.set(xlabel="seconds", title=title)
    whole.legend(loc="upper right", fontsize=8)

    span = round(0.03 * sample_rate)
    centre = int(np.argmax(np.abs(target))) if len(target) else 0
    a = max(0, min(centre - span // 2, len(target) - span))
    ms = np.arange(a, a + span) / sample_rate * 1e3
    zoom.plot(ms, target[a : a + span], color="C0", label="target")
    zoom.plot(ms, prediction[a : a + span], color="C1", ls="--", label="prediction")
    zoom.set(xlabel="milliseconds", title="the loudest 30 ms")
    zoom.legend(loc="upper right", fontsize=8)

    for signal, label, colour in (
        (target, "target", "C0"),
        (prediction, "prediction", "C1"),
        (target - prediction, "error", "C3"),
    ):
        freqs, level_db = _average_spectrum(signal, sample_rate)
        spectrum.semilogx(freqs[1:], level_db[1:], color=colour, lw=0.8, label=label)
    spectrum.set(xlabel="Hz", ylabel="dB", title="average spectrum", xlim=(20, sample_rate / 2))
    spectrum.legend(loc="lower left", fontsize=8)
    return figure


def _average_spectrum(x: np.ndarray, sample_rate: int, size: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Mean power spectrum over Hann-windowed frames, in dB."""
    frames = [x[i : i + size] for i in range(0, len(x) - size + 1, size // 2)] or [np.pad(x, (0, size - len(x)))]
    window = np.hanning(size)
    power = np.mean([np.abs(np.fft.rfft(f * window)) ** 2 for f in frames], axis=0)
    return np.fft.rfftfreq(size, 1 / sample_rate), 10 * np.log10(power + 1e-20)


def _alignment_figure(data: TrainingData):
    alignment = data.alignment
    figure, (curve, overlay) = _figure(2)
    delay = alignment.delay_samples
    if alignment.curve.size:
        curve.plot(alignment.curve_lags, alignment.curve, color="C0", lw=0.8)
        if alignment.threshold is not None:
            for sign in (1, -1):
                curve.axhline(sign * alignment.threshold, color="0.5", ls=":", lw=0.8)
        lo = max(int(alignment.curve_lags[0]), delay - 200)
        curve.set_xlim(lo, lo + 600)
    label = "averaged blip response" if alignment.method == "blips" else "impulse-response estimate"
    curve.axvline(delay, color="C3", label=f"delay {delay} samples ({alignment.method})")
    curve.set(xlabel="lag (samples)", title=label if alignment.curve.size else "latency set by hand")
    curve.legend(loc="upper right", fontsize=8)

    # The aligned pair around the input's strongest attack: their onsets should coincide.
    a, b = data.training
    block = 256
    blocks = (b - a) // block
    if blocks > 1:
        energy = np.sum(data.input[a : a + blocks * block].reshape(blocks, block) ** 2, axis=1)
        onset = a + block * (int(np.argmax(np.diff(energy))) + 1)
        lo, hi = max(a, onset - 100), min(b, onset + 400)
        samples = np.arange(lo, hi)
        scale = np.max(np.abs(data.target[lo:hi])) / max(np.max(np.abs(data.input[lo:hi])), 1e-12)
        overlay.plot(samples - onset, data.input[lo:hi] * scale, color="C0", label="input (scaled)")
        overlay.plot(samples - onset, data.target[lo:hi], color="C1", label="target, aligned")
    overlay.set(xlabel="samples from the strongest input attack", title="aligned pair")
    overlay.legend(loc="upper right", fontsize=8)
    return figure


def build_report(result: TrainingResult, data: TrainingSet, settings: dict, **extra: object) -> dict:
    """The JSON record of a run. `extra` entries (e.g. a held-out test) are added at top level."""
    return {
        "validation": {
            "esr": result.validation_esr,
            "grade": esr_grade(result.validation_esr),
            "measured_on": data.validation_description,
        },
        "data": data.summary(),
        **({"settings_esr": setting_esrs(data, result.setting_esrs)} if data.knobs else {}),
        "model": result.model.describe(),
        "settings": settings,
        "training": {
            "device": result.device,
            "epochs": result.epochs,
            "steps": result.steps,
            "best_epoch": result.best_epoch,
            "stopped": result.stopped,
            "elapsed_s": round(result.elapsed_s, 1),
            "samples_per_s": round(result.samples_per_s),
            "recoveries": result.events,
            "history": [
                {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in h.items()}
                for h in result.history
            ],
        },
        **extra,
    }
