"""Typed access to a parsed JSON document, with errors that name where the bad value is.

`Node(value, "config")["layers"][0]["channels"].integer(minimum=1)` returns an int or raises
ValueError("config.layers[0].channels: ..."). Booleans never pass for numbers, and numbers must
be finite.
"""

from __future__ import annotations

import math
from typing import Any

_ABSENT = object()


class Node:
    """A JSON value and the path that reached it (for messages)."""

    __slots__ = ("path", "value")

    def __init__(self, value: Any, path: str) -> None:
        self.value = value
        self.path = path

    def fail(self, problem: str) -> ValueError:
        return ValueError(f"{self.path or 'the file'}: {problem}")

    # ---- objects ----
    def object(self) -> dict:
        if not isinstance(self.value, dict):
            raise self.fail(f"expected a JSON object, got {_kind(self.value)}")
        return self.value

    def has(self, key: str) -> bool:
        """Whether the object has `key` with a value other than null."""
        return self.object().get(key) is not None

    def __getitem__(self, key: str | int) -> Node:
        if isinstance(key, int):
            return Node(self.list()[key], f"{self.path}[{key}]")
        value = self.object().get(key, _ABSENT)
        if value is _ABSENT:
            raise ValueError(f"{self.path or 'the file'}: missing key {key!r}")
        return Node(value, self.child(key))

    def refuse_unknown(self, known: set[str] | frozenset[str]) -> None:
        """Raise for a key outside `known`: a key this reader ignored could change the sound."""
        unknown = sorted(set(self.object()) - set(known))
        if unknown:
            raise ValueError(f"{self.child(unknown[0])}: unknown key (this reader does not know what it would change)")

    def child(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str) -> Node | None:
        """The value at `key`, or None when it is absent or null."""
        value = self.object().get(key)
        return None if value is None else Node(value, self.child(key))

    # ---- scalars ----
    def integer(self, minimum: int | None = None, maximum: int | None = None) -> int:
        value = self.value
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(f"expected an integer, got {_kind(value)}")
        if minimum is not None and value < minimum:
            raise self.fail(f"{value} is below the minimum {minimum}")
        if maximum is not None and value > maximum:
            raise self.fail(f"{value} is above the maximum {maximum} this reader accepts")
        return value

    def number(self) -> float:
        value = self.value
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise self.fail(f"expected a number, got {_kind(value)}")
        value = float(value)
        if not math.isfinite(value):
            raise self.fail(f"{value} is not a finite number")
        return value

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.fail(f"expected true or false, got {_kind(self.value)}")
        return self.value

    def string(self) -> str:
        if not isinstance(self.value, str):
            raise self.fail(f"expected a string, got {_kind(self.value)}")
        return self.value

    # ---- lists ----
    def list(self) -> list:
        if not isinstance(self.value, list):
            raise self.fail(f"expected a list, got {_kind(self.value)}")
        return self.value

    def items(self) -> list[Node]:
        return [Node(value, f"{self.path}[{i}]") for i, value in enumerate(self.list())]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
