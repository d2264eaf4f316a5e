"""A .nam file's "metadata" object as a `PresetMetadata`.

Mapped: name, modeled_by, gear_make + gear_model (→ pedal, "Ibanez TS9"), gear_type, tone_type,
loudness (→ loudness_db), input/output_level_dbu, training.validation_esr (→ validation_esr) and
date ({year, month, ...} → ISO 8601). Everything else (the file's version, gain, training
details, unknown fields) is kept in `provenance`. Absent or null fields stay unknown; a field of
the wrong type is an error, as in NAM Core.
"""

from __future__ import annotations

import datetime as _dt

from ..metadata import PresetMetadata
from .fields import Node

_STRINGS = ("name", "modeled_by", "gear_make", "gear_model", "gear_type", "tone_type")
_NUMBERS = ("loudness", "gain", "input_level_dbu", "output_level_dbu")


def nam_metadata(node: Node | None, fallback_name: str, provenance: dict) -> PresetMetadata:
    """The preset metadata of a .nam object's `metadata` (None when the file has none).

    `provenance` (what the reader knows: format, version...) is extended with the file's
    fields that PresetMetadata has no place for.
    """
    fields = {} if node is None else node.object()
    strings = {key: node[key].string().strip() for key in _STRINGS if node is not None and node.has(key)}
    numbers = {key: node[key].number() for key in _NUMBERS if node is not None and node.has(key)}
    esr = None
    training = node.get("training") if node is not None else None
    if training is not None and training.has("validation_esr"):
        esr = training["validation_esr"].number()
    date = _date(node.get("date")) if node is not None else ""
    provenance = dict(provenance)
    if "gain" in numbers:
        provenance["gain"] = numbers["gain"]
    mapped = {*_STRINGS, *_NUMBERS, "date"}
    provenance.update({key: value for key, value in fields.items() if key not in mapped and value is not None})
    pedal = " ".join(part for part in (strings.get("gear_make"), strings.get("gear_model")) if part)
    return PresetMetadata(
        name=strings.get("name") or fallback_name,
        pedal=pedal,
        loudness_db=numbers.get("loudness"),
        validation_esr=esr,
        provenance=provenance,
        date=date,
        gear_type=strings.get("gear_type", ""),
        tone_type=strings.get("tone_type", ""),
        modeled_by=strings.get("modeled_by", ""),
        input_level_dbu=numbers.get("input_level_dbu"),
        output_level_dbu=numbers.get("output_level_dbu"),
    )


def _date(node: Node | None) -> str:
    """NAM's {year, month, day, hour, minute, second} as ISO 8601 (local time, no zone); "" if absent."""
    if node is None:
        return ""
    if isinstance(node.value, str):
        return node.value
    node.object()
    parts = [node[key].integer() if node.has(key) else default for key, default in _DATE_PARTS]
    try:
        return _dt.datetime(*parts).isoformat(timespec="seconds")
    except (ValueError, OverflowError) as exc:
        raise node.fail(f"not a valid date ({exc})") from None


_DATE_PARTS = (("year", 1970), ("month", 1), ("day", 1), ("hour", 0), ("minute", 0), ("second", 0))
