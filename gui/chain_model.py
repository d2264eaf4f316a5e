"""What the chain editor edits: the program's effects, some of them switched off. No Qt here.

pedalboard plugins have no bypass of their own, so a switched-off plugin stays in the editor
but is left out of the chain the engine plays (`engine_chain_dict()`); switching it on or off
reloads the program, which the engine crossfades. A neural pedal has a real `bypass`
parameter: the editor sets it, and the engine crossfades that pedal alone.

The engine is the authority on what plays. `follow()` takes in each state it reports: the
parameter values always (MIDI may move them), and the whole chain when the engine switched
program by itself (a preset slot chosen by MIDI).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from neuralfx.chain import CHAIN_FORMAT, CHAIN_FORMAT_VERSION


@dataclass
class EditorEffect:
    """One effect: a chain-file entry (`Chain.to_dict()["effects"][i]`) and its on/off switch
    (`switched_off` applies to plugins; a neural pedal's is its "bypass" parameter)."""

    entry: dict[str, Any]
    switched_off: bool = False

    @property
    def is_neural(self) -> bool:
        return self.entry["type"] == "neural"

    @property
    def active(self) -> bool:
        """Part of the engine's chain."""
        return self.is_neural or not self.switched_off

    @property
    def engaged(self) -> bool:
        """Heard: on, and for a neural pedal not bypassed."""
        return self.active and not (self.is_neural and self.entry.get("parameters", {}).get("bypass", False))


def structure(chain_dict: dict | None) -> tuple:
    """What identifies a chain's effects, parameter values aside."""
    return tuple(_identity(entry) for entry in (chain_dict or {}).get("effects", []))


def _identity(entry: dict) -> tuple:
    return entry["type"], entry.get("preset") or entry.get("class") or entry.get("path")


class ChainModel:
    """The editor's effects, in signal order."""

    def __init__(self, effects: list[EditorEffect] | None = None) -> None:
        self.effects: list[EditorEffect] = list(effects or [])
        self._engine_structure: tuple | None = None
        self._sent: list[tuple] = []  # structures sent to the engine that it has not reported yet

    # --- what the engine plays ----------------------------------------------------------------
    def engine_chain_dict(self) -> dict:
        """The chain for `LiveEngine.load_chain`: the active effects, in order."""
        return {
            "format": CHAIN_FORMAT,
            "format_version": CHAIN_FORMAT_VERSION,
            "effects": [copy.deepcopy(e.entry) for e in self.effects if e.active],
        }

    def chain_to_send(self) -> dict:
        """`engine_chain_dict()`, remembered as on its way, so that the engine's reports of the
        programs sent before it are not taken for programs it switched to by itself."""
        chain_dict = self.engine_chain_dict()
        self._sent = [*self._sent[-7:], structure(chain_dict)]
        return chain_dict

    def engine_index(self, row: int) -> int | None:
        """The engine's effect index of editor row `row` (None if it is switched off)."""
        if not self.effects[row].active:
            return None
        return sum(1 for e in self.effects[:row] if e.active)

    def follow(self, chain_dict: dict | None) -> bool:
        """Take in the chain the engine reports (`EngineState.chain_dict`). Returns True when the
        editor's effects were replaced because the engine switched program by itself."""
        reported = structure(chain_dict)
        replaced = False
        if reported != self._engine_structure:  # the engine loaded a program
            self._engine_structure = reported
            if reported in self._sent:  # ours, perhaps superseded by later edits
                del self._sent[: self._sent.index(reported) + 1]
            elif reported != structure(self.engine_chain_dict()):  # one it switched to by itself
                self.effects = (
                    [EditorEffect(copy.deepcopy(entry)) for entry in chain_dict["effects"]] if chain_dict else []
                )
                replaced = True
        if reported == structure(self.engine_chain_dict()):
            active = [e for e in self.effects if e.active]
            for effect, entry in zip(active, chain_dict["effects"] if chain_dict else [], strict=True):
                effect.entry["parameters"] = dict(entry.get("parameters", {}))
        return replaced

    # --- edits ------------------------------------------------------------------------------------
    def insert(self, row: int, entry: dict) -> None:
        self.effects.insert(row, EditorEffect(copy.deepcopy(entry)))

    def remove(self, row: int) -> None:
        del self.effects[row]

    def move(self, row: int, step: int) -> int:
        """Move an effect `step` places along the chain (clamped); returns its new row."""
        target = max(0, min(len(self.effects) - 1, row + step))
        self.effects.insert(target, self.effects.pop(row))
        return target

    def set_switched_off(self, row: int, off: bool) -> None:
        self.effects[row].switched_off = bool(off)

    def set_value(self, row: int, name: str, value: Any) -> None:
        self.effects[row].entry.setdefault("parameters", {})[name] = value

    def neural_row(self) -> int | None:
        return next((row for row, e in enumerate(self.effects) if e.is_neural), None)

    def with_preset(self, neural_entry: dict) -> None:
        """Play another preset: it replaces the first neural pedal (or leads the chain)."""
        row = self.neural_row()
        if row is None:
            self.insert(0, neural_entry)
        else:
            self.effects[row] = EditorEffect(copy.deepcopy(neural_entry))

    # --- persistence ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"effects": [{"entry": e.entry, "switched_off": e.switched_off} for e in self.effects]}

    @classmethod
    def from_dict(cls, data: dict) -> ChainModel:
        """Read `to_dict` content (raises ValueError, KeyError or TypeError on damage)."""
        effects = []
        for item in data["effects"]:
            entry = item["entry"]
            if not isinstance(entry, dict) or entry.get("type") not in ("neural", "native", "plugin"):
                raise ValueError(f"not a chain entry: {entry!r}")
            effects.append(EditorEffect(entry, bool(item.get("switched_off", False))))
        return cls(effects)
