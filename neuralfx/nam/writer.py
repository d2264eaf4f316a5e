"""Write NAM model files (`.nam`): a model's config, its flat weights and NAM's metadata, as JSON.

NAM's plugin, NAM Core and the players built on it read these; so does `neuralfx.nam.reader`.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

import numpy as np

from ..fileio import atomic_write_text
from ..metadata import PresetMetadata

A1_VERSION = "0.5.4"  # what NAM's trainer writes for classic WaveNets: every NAM player reads it
A2_VERSION = "0.7.0"  # per-layer gating, layer1x1/head1x1, kernel_sizes and head objects
_A1_ARRAY_KEYS = {
    "input_size", "condition_size", "channels", "head_size", "kernel_size", "dilations", "activation", "gated",
    "head_bias",
}  # fmt: skip


def wavenet_version(config: dict) -> str:
    """The oldest format version that holds a WaveNet `config`: A1's where it uses A1's keys alone,
    so that every NAM player reads the file."""
    a1 = config.get("head") is None and all(set(array) <= _A1_ARRAY_KEYS for array in config["layers"])
    return A1_VERSION if a1 else A2_VERSION


def nam_metadata(metadata: PresetMetadata) -> dict:
    """NAM's metadata object for our metadata (the fields NAM knows; unknown ones left out)."""
    fields: dict = {"name": metadata.name, "gear_model": metadata.pedal}
    for key in ("modeled_by", "gear_type", "tone_type"):
        if getattr(metadata, key):
            fields[key] = getattr(metadata, key)
    for ours, theirs in (
        ("loudness_db", "loudness"),
        ("input_level_dbu", "input_level_dbu"),
        ("output_level_dbu", "output_level_dbu"),
    ):
        if getattr(metadata, ours) is not None:
            fields[theirs] = float(getattr(metadata, ours))
    if metadata.validation_esr is not None:
        fields["training"] = {"validation_esr": float(metadata.validation_esr)}
    date = _date(metadata.date)
    if date is not None:
        fields["date"] = date
    return fields


def _date(iso: str) -> dict | None:
    """NAM's {year, month, day, hour, minute, second} for an ISO 8601 date (None if it is not one)."""
    try:
        when = _dt.datetime.fromisoformat(iso)
    except ValueError:
        return None
    return {key: getattr(when, key) for key in ("year", "month", "day", "hour", "minute", "second")}


def nam_document(
    architecture: str, config: dict, weights: np.ndarray, sample_rate: float, metadata: PresetMetadata, version: str
) -> dict:
    """A .nam file's content."""
    return {
        "version": version,
        "architecture": architecture,
        "config": config,
        "weights": [float(w) for w in np.asarray(weights, np.float32)],
        "sample_rate": float(sample_rate),
        "metadata": nam_metadata(metadata),
    }


def with_metadata(document: dict, metadata: PresetMetadata) -> dict:
    """A .nam file's content with NAM's metadata for `metadata` in place of its own."""
    return {**document, "metadata": nam_metadata(metadata)}


def write_nam(path: str | Path, document: dict) -> Path:
    """Write a .nam file atomically. Returns its path."""
    path = Path(path)
    atomic_write_text(path, json.dumps(document, separators=(",", ":")) + "\n")
    return path
