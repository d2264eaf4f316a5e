"""What the app shows of a preset file (.nfx or .nam): its metadata card and its pedal's controls.
No Qt here: files are read on a background thread (`PresetInfo.read`), never on the GUI thread."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

from neuralfx.models import ModelParameter
from neuralfx.models.pedalnet import ARCHITECTURE as PEDALNET
from neuralfx.preset import Preset, PresetError, load_preset

MODEL_NAMES = {PEDALNET: "PedalNet WaveNet"}
"""Architectures as a card names them (a NAM file's: "NAM" and NAM's own name)."""


@dataclass(frozen=True)
class Size:
    """One size of a NAM file that holds several (A2): played for model_size below `max_value`."""

    max_value: float
    loudness_db: float | None
    multiply_adds: int


@dataclass(frozen=True)
class PresetInfo:
    """What the browser and the chain editor show of one preset file (`problem` set if it cannot be loaded)."""

    path: Path
    name: str
    pedal: str = ""
    validation_esr: float | None = None
    sample_rate: int = 0
    loudness_db: float | None = None
    knobs: dict = field(default_factory=dict)
    date: str = ""
    problem: str = ""
    is_nam: bool = False
    model: str = ""
    multiply_adds: int = 0
    gear_type: str = ""
    tone_type: str = ""
    modeled_by: str = ""
    input_level_dbu: float | None = None
    output_level_dbu: float | None = None
    controls: tuple[ModelParameter, ...] = ()
    sizes: tuple[Size, ...] = ()

    @classmethod
    def read(cls, path_or_name: str | Path) -> PresetInfo:
        """Read a preset file (or a preset by name, as chain files refer to presets in a preset folder)."""
        try:
            return cls.of(load_preset(path_or_name))
        except PresetError as exc:
            return cls(Path(path_or_name), Path(path_or_name).stem, problem=exc.problem)

    @classmethod
    def of(cls, preset: Preset) -> PresetInfo:
        m, model = preset.metadata, preset.model
        architecture = model.architecture
        sizes = tuple(
            Size(s.max_value, s.metadata.loudness_db, s.model.multiply_adds) for s in getattr(model, "submodels", ())
        )
        return cls(
            preset.path,
            m.name,
            m.pedal,
            m.validation_esr,
            preset.sample_rate,
            m.loudness_db,
            dict(m.knobs),
            m.date,
            is_nam=preset.is_nam,
            model=f"NAM {architecture}" if preset.is_nam else MODEL_NAMES.get(architecture, architecture),
            multiply_adds=model.multiply_adds,
            gear_type=m.gear_type,
            tone_type=m.tone_type,
            modeled_by=m.modeled_by,
            input_level_dbu=m.input_level_dbu,
            output_level_dbu=m.output_level_dbu,
            controls=tuple(model.parameters),
            sizes=sizes,
        )

    @property
    def default_output_mode(self) -> str:
        """NeuralPedal's default: "normalized" for a NAM file (as NAM's plugin plays it), "raw" otherwise."""
        return "normalized" if self.is_nam else "raw"

    def size_index(self, model_size: float) -> int:
        """Which size plays at `model_size` (NAM Core's rule: the first whose max_value exceeds it)."""
        return next((i for i, s in enumerate(self.sizes) if model_size < s.max_value), len(self.sizes) - 1)

    def size_text(self, model_size: float) -> str:
        """E.g. "size 1 of 2 · 5.9k MAC/sample"."""
        i = self.size_index(model_size)
        return f"size {i + 1} of {len(self.sizes)} · {self.sizes[i].multiply_adds / 1000:.1f}k MAC/sample"

    def matches(self, words: list[str]) -> bool:
        """Whether every word (lower case) is in the name, pedal, gear, tone, maker or file name."""
        text = " ".join((self.name, self.pedal, self.gear_type, self.tone_type, self.modeled_by, self.path.name))
        return all(word in text.lower() for word in words)

    def describe(self) -> str:
        """Rich text for the details pane (every value escaped: preset files are not markup)."""
        if self.problem:
            return f"<b>{html.escape(self.name)}</b><br><span style='color:#ff6b5b'>{html.escape(self.problem)}</span>"
        rows = [("Pedal", self.pedal or "—")]
        if self.gear_type or self.tone_type:
            rows.append(("Gear, tone", ", ".join(t.replace("_", " ") for t in (self.gear_type, self.tone_type) if t)))
        if self.modeled_by:
            rows.append(("Modeled by", self.modeled_by))
        rows.append(("Model", f"{self.model} · {self.multiply_adds / 1000:.1f}k multiply-adds per sample"))
        for i, size in enumerate(self.sizes):
            loudness = "" if size.loudness_db is None else f", {size.loudness_db:.1f} dBFS"
            rows.append((f"Size {i + 1}", f"up to {size.max_value:g}: {size.multiply_adds / 1000:.1f}k{loudness}"))
        if self.validation_esr is not None:
            rows.append(("Validation ESR", f"{self.validation_esr:.4f} ({100 * self.validation_esr:.2f} %)"))
        else:
            rows.append(("Validation ESR", "not measured"))
        rows.append(("Sample rate", f"{self.sample_rate / 1000:g} kHz"))
        if self.loudness_db is not None:
            rows.append(("Loudness", f"{self.loudness_db:.1f} dBFS"))
        levels = [
            f"{what} {value:g} dBu"
            for what, value in (("in", self.input_level_dbu), ("out", self.output_level_dbu))
            if value is not None
        ]
        if levels:
            rows.append(("Levels at 0 dBFS", ", ".join(levels)))
        for control in self.controls:
            unit = f" {control.unit}" if control.unit else ""
            rows.append((f"{control_label(control.name)} knob", f"{control.minimum:g} to {control.maximum:g}{unit}"))
        if self.knobs:
            rows.append(("Captured at", ", ".join(f"{k} {v}" for k, v in self.knobs.items())))
        rows.append(("Date", self.date[:10]))
        rows.append(("File", str(self.path)))
        table = "".join(
            f"<tr><td style='color:#8a9099;padding-right:8px'>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>"
            for k, v in rows
        )
        return f"<b style='font-size:large'>{html.escape(self.name)}</b><table>{table}</table>"


def control_label(name: str) -> str:
    """A model control's display name: "drive" → "Drive", "model_size" → "Size"."""
    return "Size" if name == "model_size" else name.replace("_", " ").capitalize()
