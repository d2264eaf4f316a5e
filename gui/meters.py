"""Level meters: peak bar with decay, RMS bar, a held peak mark and a clip light.

The engine publishes each 50 ms window's peak and RMS; the ballistics (how fast a bar falls,
how long a peak is held) are the GUI's job and live in `Ballistics`, which has no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtCore import QRectF, Qt
from PyQt6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPixmap
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
        self._background: QPixmap | None = None
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
    # The trough, the scale and the label never change between frames: they are drawn once into
    # a pixmap (per size), and each frame paints that and the bars (text is the costly part).
    CLIP_H, LABEL_H, VALUE_H = 14.0, 18.0, 16.0

    def _bar(self) -> QRectF:
        return QRectF(
            4, self.CLIP_H + 4, self.width() * 0.45, self.height() - self.CLIP_H - self.LABEL_H - self.VALUE_H - 10
        )

    def _y(self, db: float) -> float:
        bar = self._bar()
        fraction = (min(0.0, max(FLOOR_DB, db)) - FLOOR_DB) / -FLOOR_DB
        return bar.top() + bar.height() * (1.0 - fraction)

    def resizeEvent(self, event) -> None:
        self._background = None
        super().resizeEvent(event)

    def _paint_background(self) -> QPixmap:
        pixmap = QPixmap(self.size())
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        bar, w, h = self._bar(), self.width(), self.height()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#101214"))
        painter.drawRoundedRect(bar, 3, 3)
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.75))
        painter.setFont(small)
        painter.setPen(QColor("#8a9099"))
        for db in (0, -6, -12, -18, -24, -36, -48, -60):
            y = self._y(db)
            painter.drawLine(int(bar.right() + 2), int(y), int(bar.right() + 5), int(y))
            painter.drawText(
                QRectF(bar.right() + 8, y - 7, w - bar.right() - 8, 14), Qt.AlignmentFlag.AlignLeft, str(db)
            )
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor("#e8e8e8"))
        painter.drawText(QRectF(0, h - self.LABEL_H, w, self.LABEL_H), Qt.AlignmentFlag.AlignCenter, self.label)
        painter.end()
        return pixmap

    def paintEvent(self, event) -> None:
        if self._background is None:
            self._background = self._paint_background()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._background)
        bar, b = self._bar(), self.ballistics
        bottom = bar.bottom()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#ff3b30") if self.clipping else QColor("#3a2222"))
        painter.drawRect(QRectF(bar.left(), 2, bar.width(), self.CLIP_H - 2))
        gradient = QLinearGradient(0, bottom, 0, bar.top())
        for position, color in ((0.0, "#2fbf4f"), (0.75, "#c8d62b"), (0.9, "#ffb020"), (1.0, "#ff3b30")):
            gradient.setColorAt(position, QColor(color))
        painter.setBrush(gradient)
        painter.setOpacity(0.55)  # the peak bar, behind the RMS bar
        peak_y = self._y(b.peak_db)
        painter.drawRect(QRectF(bar.left(), peak_y, bar.width(), bottom - peak_y))
        painter.setOpacity(1.0)
        rms_y = self._y(b.rms_db)
        painter.drawRect(QRectF(bar.left() + 3, rms_y, bar.width() - 6, bottom - rms_y))
        if b.held_db > FLOOR_DB:
            painter.setBrush(QColor("#ffffff"))
            painter.drawRect(QRectF(bar.left(), self._y(b.held_db) - 1, bar.width(), 2))
        painter.setPen(QColor("#e8e8e8"))
        held = "−∞" if b.held_db <= FLOOR_DB else f"{b.held_db:.1f}"
        value_box = QRectF(0, self.height() - self.LABEL_H - self.VALUE_H, self.width(), self.VALUE_H)
        painter.drawText(value_box, Qt.AlignmentFlag.AlignCenter, held)
