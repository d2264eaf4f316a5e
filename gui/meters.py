"""Level meters: peak bar with decay, RMS bar, a held peak mark and a clip light.

The engine publishes each 50 ms window's peak and RMS; the ballistics (how fast a bar falls,
how long a peak is held) are the GUI's job and live in `Ballistics`, which has no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtCore import QRectF, Qt
from PyQt6.QtGui import QColor, QFont, QLinearGradient, QPainter
from PyQt6.QtWidgets import QSizePolicy, QWidget

from neuralfx.engine import SILENCE_DB

FLOOR_DB = -60.0
"""The bottom of the meter scale."""


@dataclass
class Ballistics:
    """Peak meter ballistics: instant rise, a fall of `fall_db_per_s`, and a held peak that
    stays for `hold_s` before it falls too. Levels in dBFS, times in seconds."""

    fall_db_per_s: float = 24.0
    hold_s: float = 1.5
    peak_db: float = SILENCE_DB
    rms_db: float = SILENCE_DB
    held_db: float = SILENCE_DB
    _held_at_s: float = 0.0
    _time_s: float | None = None

    def update(self, peak_db: float, rms_db: float, now_s: float) -> None:
        elapsed = 0.0 if self._time_s is None else max(0.0, now_s - self._time_s)
        self._time_s = now_s
        fallen = self.fall_db_per_s * elapsed
        self.peak_db = max(peak_db, self.peak_db - fallen)
        self.rms_db = max(rms_db, self.rms_db - fallen)
        if peak_db >= self.held_db:
            self.held_db, self._held_at_s = peak_db, now_s
        elif now_s - self._held_at_s > self.hold_s:
            self.held_db = max(peak_db, self.held_db - fallen)

    def reset(self) -> None:
        self.peak_db = self.rms_db = self.held_db = SILENCE_DB
        self._time_s = None


class LevelMeter(QWidget):
    """A vertical meter with a dB scale, labelled (e.g. "IN").

    `show_levels(peak_db, rms_db, now_s)` feeds it; the clip light turns on when the peak
    reaches `clip_db` and stays on for two seconds.
    """

    CLIP_HOLD_S = 2.0

    def __init__(self, label: str, clip_db: float = -0.1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.clip_db = clip_db
        self.ballistics = Ballistics()
        self._clipped_at_s: float | None = None
        self._now_s = 0.0
        self.setMinimumSize(56, 200)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)

    @property
    def clipping(self) -> bool:
        return self._clipped_at_s is not None and self._now_s - self._clipped_at_s < self.CLIP_HOLD_S

    def show_levels(self, peak_db: float, rms_db: float, now_s: float) -> None:
        self._now_s = now_s
        self.ballistics.update(peak_db, rms_db, now_s)
        if peak_db >= self.clip_db:
            self._clipped_at_s = now_s
        self.update()

    def reset(self) -> None:
        self.ballistics.reset()
        self._clipped_at_s = None
        self.update()

    def flag_clip(self, now_s: float) -> None:
        """Light the clip light (e.g. the engine's ceiling clipped samples)."""
        self._now_s = self._clipped_at_s = now_s
        self.update()

    # --- painting -----------------------------------------------------------------------------
    def _y(self, db: float, top: float, height: float) -> float:
        fraction = (min(0.0, max(FLOOR_DB, db)) - FLOOR_DB) / -FLOOR_DB
        return top + height * (1.0 - fraction)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.75))
        w, h = self.width(), self.height()
        clip_h, label_h, value_h = 14.0, 18.0, 16.0
        bar = QRectF(4, clip_h + 4, w * 0.45, h - clip_h - label_h - value_h - 10)
        top, height = bar.top(), bar.height()

        # clip light
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#ff3b30") if self.clipping else QColor("#3a2222"))
        painter.drawRoundedRect(QRectF(bar.left(), 2, bar.width(), clip_h - 2), 3, 3)

        # trough, then the peak bar (gradient) and the RMS bar over it
        painter.setBrush(QColor("#101214"))
        painter.drawRoundedRect(bar, 3, 3)
        gradient = QLinearGradient(0, top + height, 0, top)
        gradient.setColorAt(0.0, QColor("#2fbf4f"))
        gradient.setColorAt(0.75, QColor("#c8d62b"))
        gradient.setColorAt(0.9, QColor("#ffb020"))
        gradient.setColorAt(1.0, QColor("#ff3b30"))
        b = self.ballistics
        peak_y = self._y(b.peak_db, top, height)
        painter.setBrush(gradient)
        painter.setOpacity(0.55)
        painter.drawRect(QRectF(bar.left(), peak_y, bar.width(), top + height - peak_y))
        painter.setOpacity(1.0)
        rms_y = self._y(b.rms_db, top, height)
        painter.drawRect(QRectF(bar.left() + 3, rms_y, bar.width() - 6, top + height - rms_y))
        if b.held_db > FLOOR_DB:
            painter.setBrush(QColor("#ffffff"))
            painter.drawRect(QRectF(bar.left(), self._y(b.held_db, top, height) - 1, bar.width(), 2))

        # scale
        painter.setFont(small)
        painter.setPen(QColor("#8a9099"))
        for db in (0, -6, -12, -18, -24, -36, -48, -60):
            y = self._y(db, top, height)
            painter.drawLine(int(bar.right() + 2), int(y), int(bar.right() + 5), int(y))
            scale_box = QRectF(bar.right() + 8, y - 7, w - bar.right() - 8, 14)
            painter.drawText(scale_box, Qt.AlignmentFlag.AlignLeft, str(db))

        # held value and label
        painter.setPen(QColor("#e8e8e8"))
        held = "−∞" if b.held_db <= FLOOR_DB else f"{b.held_db:.1f}"
        painter.drawText(QRectF(0, h - label_h - value_h, w, value_h), Qt.AlignmentFlag.AlignCenter, held)
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(QRectF(0, h - label_h, w, label_h), Qt.AlignmentFlag.AlignCenter, self.label)
