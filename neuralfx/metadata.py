"""What a preset is and where it came from: the metadata every preset format maps to."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field


@dataclass
class PresetMetadata:
    """What a preset is and where it came from.

    Attributes:
        name: display name ("TS9 (noon)").
        pedal: the device modelled, said honestly (e.g. an emulation, not hardware).
        knobs: knob settings at capture, name → value.
        loudness_db: RMS level in dBFS of the model's output for `neuralfx.loudness.reference_signal`.
        validation_esr: plain error-to-signal ratio on held-out audio; None when untrained.
        provenance: how it was made (data, recipe, trainer, epochs...).
        date: ISO 8601 creation date.
        gear_type, tone_type: in NAM's words: amp, pedal, pedal_amp, amp_cab, amp_pedal_cab, preamp,
            studio; clean, overdrive, crunch, hi_gain, fuzz ("" when unknown).
        modeled_by: who made the capture.
        input_level_dbu, output_level_dbu: the analog levels (dBu) that 0 dBFS stood for at capture.
    """

    name: str
    pedal: str = ""
    knobs: dict[str, float | str] = field(default_factory=dict)
    loudness_db: float | None = None
    validation_esr: float | None = None
    provenance: dict[str, object] = field(default_factory=dict)
    date: str = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    gear_type: str = ""
    tone_type: str = ""
    modeled_by: str = ""
    input_level_dbu: float | None = None
    output_level_dbu: float | None = None
