"""The big footswitch: a stompbox switch with an LED that shows whether the effect is on.

It shows the engine's state only: a click asks for the other state (`toggled_by_user`), and
the button changes when the engine reports it, so MIDI footswitches and clicks agree.
"""

from __future__ import annotations

from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QPainter, QRadialGradient
from PyQt6.QtWidgets import QAbstractButton, QSizePolicy, QWidget


class Footswitch(QAbstractButton):
    """Signals:
    pressed_by_user(bool): the user asked for bypassed=True/False (a click or the shortcut)."""

    pressed_by_user = pyqtSignal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bypassed = False
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumSize(150, 170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space belongs to the window's shortcut
        self.clicked.connect(self.press)
        self._update_tooltip()

    def press(self) -> None:
        """What a stomp does: ask for the opposite of what is shown."""
        if self.isEnabled():
            self.pressed_by_user.emit(not self.bypassed)

    def show_bypassed(self, bypassed: bool) -> None:
        if bypassed != self.bypassed:
            self.bypassed = bypassed
            self._update_tooltip()
            self.update()

    def _update_tooltip(self) -> None:
        state = "bypassed (dry)" if self.bypassed else "on"
        self.setToolTip(f"The effect is {state}. Click, or press Space or B, to switch.")
        self.setAccessibleName(f"Footswitch: {state}")

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        on = not self.bypassed and self.isEnabled()
        w, h = self.width(), self.height()

        # LED
        led = QPointF(w / 2, 14)
        glow = QRadialGradient(led, 14)
        color = QColor("#ff4d3d") if on else QColor("#4a2320")
        glow.setColorAt(0.0, color.lighter(150) if on else color)
        glow.setColorAt(0.45, color)
        glow.setColorAt(1.0, QColor(0, 0, 0, 0))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(glow)
        painter.drawEllipse(led, 14, 14)

        # the switch: a metal knob, pressed-looking while the mouse is down
        size = min(w, h - 54) - 8
        center = QPointF(w / 2, 32 + size / 2)
        metal = QRadialGradient(center - QPointF(size * 0.15, size * 0.15), size * 0.7)
        metal.setColorAt(0.0, QColor("#e9ecef"))
        metal.setColorAt(0.6, QColor("#9aa1a9"))
        metal.setColorAt(1.0, QColor("#4b5157"))
        painter.setBrush(QColor("#1b1d20"))
        painter.drawEllipse(center, size / 2, size / 2)
        painter.setBrush(metal)
        inner = size / 2 - (7 if self.isDown() else 5)
        painter.drawEllipse(center, inner, inner)

        # caption
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        painter.setFont(font)
        painter.setPen(QColor("#ff6b5b") if on else QColor("#9aa1a9"))
        text = "ON" if on else ("BYPASSED" if self.isEnabled() else "STOPPED")
        painter.drawText(QRectF(0, h - 24, w, 22), Qt.AlignmentFlag.AlignCenter, text)
