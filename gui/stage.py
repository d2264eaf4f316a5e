"""The stage view: the slot number and the preset's name, big enough to read from where you stand,
the footswitch's state and the tuner. A window of its own, shown full screen (F11 or Esc leaves).

It only shows what the main window gives it (`show_program`, `show_bypassed`) and hands keys back:
Space or B stomps, ← → or Page Up/Down step through the slots.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QFont, QKeyEvent
from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .tuner import Tuner


class StageView(QWidget):
    """Signals:
    stomped(): the footswitch key; stepped(int): previous (-1) or next (+1) slot; left()."""

    stomped = pyqtSignal()
    stepped = pyqtSignal(int)
    left = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("stage")
        self.setWindowTitle("neuralfx: stage")
        self.slot_label = QLabel("—")
        self.slot_label.setObjectName("stageSlot")
        self.name_label = QLabel("")
        self.name_label.setObjectName("stageName")
        self.name_label.setWordWrap(True)  # a long name breaks between words, never inside one
        self.name_label.setTextFormat(Qt.TextFormat.PlainText)
        self.state_label = QLabel("")
        self.state_label.setObjectName("stageState")
        self.tuner = Tuner()
        self.tuner.setFixedHeight(140)
        hint = QLabel("Space: footswitch  ·  ← →: slots  ·  Esc: leave")
        hint.setObjectName("hint")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 30, 40, 30)
        for label in (self.slot_label, self.name_label, self.state_label, hint):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.slot_label, 3)
        layout.addWidget(self.name_label, 2)
        layout.addWidget(self.state_label, 1)
        layout.addWidget(self.tuner)
        layout.addWidget(hint)
        self.resize(1024, 640)

    def show_program(self, slot: int | None, name: str) -> None:
        """The slot playing (0-based; None: a program that is no slot) and its name."""
        self.slot_label.setText("—" if slot is None else str(slot + 1))
        self.name_label.setText(name)
        self._fit_name()

    def show_bypassed(self, bypassed: bool | None) -> None:
        """The footswitch: True bypassed, False on, None stopped."""
        text = "STOPPED" if bypassed is None else "BYPASSED" if bypassed else "ON"
        if self.state_label.text() != text:
            self.state_label.setText(text)
            self.state_label.setProperty("on", text == "ON")
            self.state_label.style().unpolish(self.state_label)
            self.state_label.style().polish(self.state_label)

    def _fit_name(self) -> None:
        """The largest type (up to 72 px) at which the name fits the width in at most two lines."""
        font = QFont(self.name_label.font())
        width = max(200, self.width() - 100)
        size = 72
        while size > 24:
            font.setPixelSize(size)
            self.name_label.setFont(font)
            words = self.name_label.text().split() or [""]
            metrics = self.name_label.fontMetrics()
            if (
                max(metrics.horizontalAdvance(w) for w in words) <= width
                and metrics.horizontalAdvance(self.name_label.text()) <= 2 * width
            ):
                break
            size -= 4

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_name()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Space, Qt.Key.Key_B):
            self.stomped.emit()
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_PageDown, Qt.Key.Key_Down):
            self.stepped.emit(+1)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_PageUp, Qt.Key.Key_Up):
            self.stepped.emit(-1)
        elif key in (Qt.Key.Key_Escape, Qt.Key.Key_F11):
            self.close()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        self.left.emit()
        super().closeEvent(event)
