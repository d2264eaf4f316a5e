"""The tuner: the note the input plays, how many cents off it is, and a needle.

The window feeds it the engine's input ring (`LiveEngine.input_scope`) a few times a second;
`pitch.py` does the listening. Within ±3 cents the note shows green: in tune.
"""

from __future__ import annotations

from PyQt6.QtCore import QRectF, Qt
from PyQt6.QtGui import QColor, QFont, QPainter, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from .pitch import Note, detect_pitch, nearest_note

SAMPLES_AT_48K = 4096
"""What one estimate listens to: 85 ms, more than two periods of the lowest note it reads (30 Hz) beside a
window as long."""


def samples_for(sample_rate: float) -> int:
    """How many input samples one estimate needs at `sample_rate` (at most the engine's 8192-sample ring)."""
    return min(8192, round(SAMPLES_AT_48K * sample_rate / 48000))


IN_TUNE_CENTS = 3.0


class Tuner(QWidget):
    """A tuner display. `listen(samples, sample_rate)` shows the pitch of the latest input."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note: Note | None = None
        self.setMinimumSize(150, 96)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("Tuner: the note your input plays (A4 = 440 Hz); green within ±3 cents")

    def listen(self, samples, sample_rate: float) -> None:
        frequency = detect_pitch(samples, sample_rate)
        self.show_note(None if frequency is None else nearest_note(frequency))

    def show_note(self, note: Note | None) -> None:
        if note != self.note:
            self.note = note
            self.update()

    @property
    def text(self) -> str:
        """What it shows, e.g. "A2 +1.5 cents (110.1 Hz)", or "—"."""
        note = self.note
        return "—" if note is None else f"{note} {note.cents:+.1f} cents ({note.frequency_hz:.1f} Hz)"

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#101214"))
        painter.drawRoundedRect(QRectF(0, 0, w, h), 8, 8)
        note = self.note
        in_tune = note is not None and abs(note.cents) <= IN_TUNE_CENTS
        big = QFont(self.font())
        big.setBold(True)
        big.setPixelSize(int(h * 0.42))
        painter.setFont(big)
        painter.setPen(QColor("#3ddc84") if in_tune else QColor("#f4f4f4") if note else QColor("#4a4f55"))
        painter.drawText(QRectF(0, 2, w, h * 0.5), Qt.AlignmentFlag.AlignCenter, str(note) if note else "—")
        scale = QRectF(12, h * 0.62, w - 24, h * 0.14)
        painter.setPen(QPen(QColor("#4a4f55"), 1))
        for cents in range(-50, 51, 10):
            x = scale.left() + scale.width() * (cents + 50) / 100
            tall = 0 if cents == 0 else scale.height() * 0.35
            painter.drawLine(int(x), int(scale.top() + tall), int(x), int(scale.bottom()))
        if note is not None:
            x = scale.left() + scale.width() * (max(-50.0, min(50.0, note.cents)) + 50) / 100
            painter.setPen(QPen(QColor("#3ddc84") if in_tune else QColor("#ff9f1c"), 3))
            painter.drawLine(int(x), int(scale.top() - 4), int(x), int(scale.bottom() + 4))
            small = QFont(self.font())
            small.setPixelSize(max(9, int(h * 0.13)))
            painter.setFont(small)
            painter.setPen(QColor("#b8bec5"))
            painter.drawText(
                QRectF(0, h * 0.8, w, h * 0.2),
                Qt.AlignmentFlag.AlignCenter,
                f"{note.cents:+.0f} cents · {note.frequency_hz:.1f} Hz",
            )
