"""A pedal knob: a QAbstractSlider drawn as a dial with a pointer and a value arc.

Turned the way plugin knobs are: drag up or down (the whole range in DRAG_PIXELS, finer with
Shift), the mouse wheel, or the arrow keys; a double-click returns it to its default. It never
jumps to where the mouse is, so grabbing it does not change the sound.
"""

from __future__ import annotations

import math

from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QMouseEvent, QPainter, QPen
from PyQt6.QtWidgets import QAbstractSlider, QWidget

from .theme import ACCENT

DRAG_PIXELS = 200
SWEEP_DEGREES = 270.0  # from 7 o'clock to 5 o'clock, like a pedal's dial


class Knob(QAbstractSlider):
    """Args:
    steps: the positions 0..steps it moves over.
    default: the position a double-click returns to (None: stays)."""

    def __init__(self, steps: int = 1000, default: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, steps)
        self.setSingleStep(max(1, steps // 100))
        self.setPageStep(max(1, steps // 10))
        self.default = default
        self.setFixedSize(46, 46)
        self.setFocusPolicy(Qt.FocusPolicy.WheelFocus)
        self.setCursor(Qt.CursorShape.SizeVerCursor)
        self._grab: tuple[float, int] | None = None  # (mouse y, position) where a drag began

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._grab = (event.position().y(), self.sliderPosition())
            self.setSliderDown(True)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._grab is None:
            return
        y, position = self._grab
        pixels = DRAG_PIXELS * (4 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1)
        moved = (y - event.position().y()) / pixels * (self.maximum() - self.minimum())
        self.setSliderPosition(max(self.minimum(), min(self.maximum(), round(position + moved))))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._grab is not None:
            self._grab = None
            self.setSliderDown(False)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.default is not None:
            self.setValue(self.default)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height())
        ring = QRectF((self.width() - side) / 2 + 3, (self.height() - side) / 2 + 3, side - 6, side - 6)
        span = self.maximum() - self.minimum()
        fraction = (self.value() - self.minimum()) / span if span else 0.0
        start = 225.0  # Qt's angles: counter-clockwise from 3 o'clock
        track = QPen(QColor("#3a3f45"), 3, cap=Qt.PenCapStyle.RoundCap)
        painter.setPen(track)
        painter.drawArc(ring, int(start * 16), int(-SWEEP_DEGREES * 16))
        if self.isEnabled():
            painter.setPen(QPen(QColor(ACCENT), 3, cap=Qt.PenCapStyle.RoundCap))
            painter.drawArc(ring, int(start * 16), int(-SWEEP_DEGREES * fraction * 16))
        body = ring.adjusted(6, 6, -6, -6)
        painter.setPen(QPen(QColor("#0e0f11"), 1))
        painter.setBrush(QColor("#2b2f35") if not self.hasFocus() else QColor("#343940"))
        painter.drawEllipse(body)
        angle = math.radians(start - SWEEP_DEGREES * fraction)
        center, radius = body.center(), body.width() / 2
        tip = center + QPointF(math.cos(angle) * radius * 0.85, -math.sin(angle) * radius * 0.85)
        painter.setPen(QPen(QColor("#f4f4f4"), 2.5, cap=Qt.PenCapStyle.RoundCap))
        painter.drawLine(center + (tip - center) * 0.35, tip)
