"""Small layout pieces the panels share: a section header, a splitter pane, a field with a button,
fixed-width buttons and a label that shortens a name at a word's end."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QFontMetrics
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget


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


def fix_width(widget: QWidget, *texts: str, padding: int = 24) -> None:
    """Make a button or label as wide as the widest of the texts it shows, so that it never changes
    size (and nothing beside it moves under the mouse) when its text changes."""
    widget.ensurePolished()  # the style sheet's font, not the default one
    widget.setFixedWidth(max(widget.fontMetrics().horizontalAdvance(text) for text in texts) + padding)


def elide_words(text: str, metrics: QFontMetrics, width: int) -> str:
    """`text` if it fits in `width` pixels, else as many whole words as fit, then "…" (a name is
    never cut inside a word; a first word too long for the width is shown elided)."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    words = text.split()
    for count in range(len(words) - 1, 0, -1):
        shortened = " ".join(words[:count]).rstrip(",;:-–—") + " …"
        if metrics.horizontalAdvance(shortened) <= width:
            return shortened
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)


class WordElidedLabel(QLabel):
    """A one-line label that shortens its text at a word's end to fit its width; the whole text
    is its tooltip. Plain text only (names are never markup)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._full = ""
        self.set_full_text(text)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        if text != self._full:
            self._full = text
            self.setToolTip(text)
            self._fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        margins = self.contentsMargins()
        width = self.width() - margins.left() - margins.right() - 2 * self.margin() - 16  # the style's padding
        self.setText(elide_words(self._full, self.fontMetrics(), max(width, 0)))
