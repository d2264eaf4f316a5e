"""Small layout pieces the panels share: a section header, a splitter pane, a field with a button."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtWidgets import QHBoxLayout, QLabel, QLayout, QPushButton, QVBoxLayout, QWidget


def section_header(title: str, *controls: QWidget, tooltip: str = "") -> QHBoxLayout:
    """A row with a section title on the left and `controls` on the right."""
    label = QLabel(title)
    label.setObjectName("sectionTitle")  # styled by the theme
    label.setToolTip(tooltip)
    row = QHBoxLayout()
    row.addWidget(label)
    row.addStretch()
    for control in controls:
        row.addWidget(control)
    return row


def pane(*items: QWidget | QLayout, expand: QWidget | None = None) -> QWidget:
    """A widget stacking `items` top to bottom without margins (a splitter's pane); `expand`, one
    of them, takes the spare height."""
    widget = QWidget()
    column = QVBoxLayout(widget)
    column.setContentsMargins(0, 0, 0, 0)
    for item in items:
        if isinstance(item, QLayout):
            column.addLayout(item)
        else:
            column.addWidget(item, 1 if item is expand else 0)
    return widget


def field_with_button(field: QWidget, text: str, clicked: Callable[[], None]) -> QHBoxLayout:
    """A row with `field` taking the width and a push button labelled `text` on its right."""
    button = QPushButton(text)
    button.clicked.connect(clicked)
    row = QHBoxLayout()
    row.addWidget(field, 1)
    row.addWidget(button)
    return row
