"""A pedal captured at several knob settings: the manifest a user writes for `neuralfx train --captures`.

    {"format": "neuralfx.captures", "format_version": 1,
     "knobs": [{"name": "drive", "minimum": 0, "maximum": 10, "default": 5},
               {"name": "tone", "minimum": 0, "maximum": 10, "default": 5}],
     "captures": [{"input": "di.wav", "target": "drive0_tone0.wav", "knobs": {"drive": 0, "tone": 0}},
                  ...
                  {"input": "di.wav", "target": "drive3_tone7.wav", "knobs": {"drive": 3, "tone": 7},
                   "held_out": true}]}

Paths are relative to the manifest's folder. Every capture gives a position for every knob, on the
pedal's own scale; a capture marked "held_out" is a whole setting the training never hears (it is
only validated on). See docs/capture.md for which settings to record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from neuralfx.fileio import read_capped
from neuralfx.models.pedalnet import Knob

from .checks import DataError

FORMAT = "neuralfx.captures"
FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Capture:
    """One recording of the pedal: the dry input, the pedal's output, and its knob positions."""

    input: Path
    target: Path
    knobs: dict[str, float]
    held_out: bool = False

    @property
    def label(self) -> str:
        """The setting in words, e.g. "drive 3, tone 7"."""
        return ", ".join(f"{name} {value:g}" for name, value in self.knobs.items())


@dataclass(frozen=True)
class CaptureSet:
    """The knobs a manifest declares (with the positions captured) and its captures."""

    knobs: tuple[Knob, ...]
    captures: tuple[Capture, ...]


def read_captures(path: str | Path) -> CaptureSet:
    """Read and check a manifest. Raises DataError naming the manifest and the problem."""
    path = Path(path)
    try:
        data = json.loads(read_capped(path, MAX_MANIFEST_BYTES, "a captures manifest"))
    except (OSError, ValueError, RecursionError) as exc:
        raise DataError(f"{path}: cannot read the captures manifest ({exc})") from None
    try:
        return _parse(data, path.parent)
    except (ValueError, TypeError, KeyError) as exc:
        raise DataError(f"{path}: {exc}") from None


def _parse(data: object, folder: Path) -> CaptureSet:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f'not a captures manifest (no "format": "{FORMAT}")')
    if data.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"unsupported format_version {data.get('format_version')!r} (this neuralfx reads 1)")
    declared = data.get("knobs")
    if not (isinstance(declared, list) and declared and all(isinstance(k, dict) for k in declared)):
        raise ValueError('"knobs" must list the knobs: name, minimum, maximum, default (and unit)')
    entries = data.get("captures")
    if not (isinstance(entries, list) and entries and all(isinstance(c, dict) for c in entries)):
        raise ValueError('"captures" must list the recordings: input, target, knobs (and held_out)')
    captures = []
    for i, entry in enumerate(entries):
        unknown = set(entry) - {"input", "target", "knobs", "held_out"}
        if unknown:
            raise ValueError(f"capture {i}: unknown field {sorted(unknown)[0]!r}")
        knobs = entry.get("knobs")
        if not isinstance(knobs, dict):
            raise ValueError(f'capture {i}: "knobs" must map each knob to its position')
        captures.append(
            Capture(
                input=folder / str(entry["input"]),
                target=folder / str(entry["target"]),
                knobs={name: float(value) for name, value in knobs.items()},
                held_out=bool(entry.get("held_out", False)),
            )
        )
    names = [k.get("name") for k in declared]
    for i, capture in enumerate(captures):
        if sorted(capture.knobs) != sorted(names):
            raise ValueError(f"capture {i} ({capture.target.name}) sets {sorted(capture.knobs)}, the knobs are {names}")
    if all(c.held_out for c in captures):
        raise ValueError("every capture is held out: nothing is left to train on")
    knobs = tuple(
        Knob(**spec, trained=sorted({c.knobs[spec["name"]] for c in captures if not c.held_out})) for spec in declared
    )
    for capture in captures:
        for knob in knobs:
            if not knob.minimum <= capture.knobs[knob.name] <= knob.maximum:
                raise ValueError(
                    f"{capture.target.name}: {knob.name} {capture.knobs[knob.name]:g} lies outside "
                    f"{knob.minimum:g}..{knob.maximum:g}"
                )
    # Knob positions in declaration order, so that a capture's vector lines up with `knobs`.
    ordered = tuple(Capture(c.input, c.target, {k.name: c.knobs[k.name] for k in knobs}, c.held_out) for c in captures)
    return CaptureSet(knobs, ordered)
