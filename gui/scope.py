"""The output's spectrum (log frequency, dBFS) or waveform, from `LiveEngine.scope()`.

`Spectrum` turns samples into one level per screen column (no Qt, a few tens of microseconds
per frame); `ScopeView` paints it.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPen, QPolygonF
from PyQt6.QtWidgets import QSizePolicy, QWidget

from neuralfx.engine import SILENCE_DB

FFT_SIZE = 4096
LOW_HZ, HIGH_HZ = 30.0, 20000.0
TOP_DB, BOTTOM_DB = 0.0, -96.0
WAVEFORM_SAMPLES = 1024


class Spectrum:
    """Windowed FFT magnitudes in dBFS (a full-scale sine reads 0 dB), folded onto `columns`
    log-spaced frequency bands (the loudest bin of each band), with a falling display."""

    def __init__(self, sample_rate: float, columns: int, fall_db_per_frame: float = 3.0) -> None:
        self.window = np.hanning(FFT_SIZE).astype(np.float32)
        self._gain = 2.0 / self.window.sum()
        bin_hz = sample_rate / FFT_SIZE
        edges_hz = np.geomspace(LOW_HZ, min(HIGH_HZ, sample_rate / 2), columns + 1)
        # Column i shows the loudest bin whose centre lies between its edges (reduceat from its
        # first such bin to the next column's); a low column narrower than a bin shows the next bin.
        self._starts = np.clip(np.ceil(edges_hz[:-1] / bin_hz).astype(int), 1, FFT_SIZE // 2)
        self._stop = min(FFT_SIZE // 2 + 1, int(np.ceil(edges_hz[-1] / bin_hz)) + 1)
        self.fall_db_per_frame = fall_db_per_frame
        self.levels_db = np.full(columns, SILENCE_DB)
        self.sample_rate, self.columns = sample_rate, columns

    def update(self, samples: np.ndarray) -> np.ndarray:
        """Take the latest FFT_SIZE samples; returns the displayed level of each column."""
        magnitude = np.abs(np.fft.rfft(samples[-FFT_SIZE:] * self.window)) * self._gain
        bands = np.maximum.reduceat(magnitude[: self._stop], self._starts)
        db = 20.0 * np.log10(np.maximum(bands, 1e-6))
        self.levels_db = np.maximum(db, self.levels_db - self.fall_db_per_frame)
        return self.levels_db


class ScopeView(QWidget):
    """Paints the output: "spectrum" (default) or "waveform" (`mode`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = "spectrum"
        self._spectrum: Spectrum | None = None
        self._levels: np.ndarray | None = None
        self._wave: np.ndarray | None = None
        self.setMinimumHeight(150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.update()

    @property
    def samples_needed(self) -> int:
        return FFT_SIZE if self.mode == "spectrum" else WAVEFORM_SAMPLES

    def show_samples(self, samples: np.ndarray, sample_rate: float) -> None:
        """New output samples (oldest first, at least `samples_needed`)."""
        if self.mode == "spectrum":
            columns = max(32, self.width() // 2)
            spectrum = self._spectrum
            if spectrum is None or (spectrum.sample_rate, spectrum.columns) != (sample_rate, columns):
                self._spectrum = spectrum = Spectrum(sample_rate, columns)
            self._levels = spectrum.update(samples).copy()
        else:
            self._wave = samples[-WAVEFORM_SAMPLES:].copy()
        self.update()

    def clear(self) -> None:
        self._levels = self._wave = None
        if self._spectrum is not None:
            self._spectrum.levels_db[:] = SILENCE_DB
        self.update()

    # --- painting -----------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#0d0f11"))
        area = QRectF(38, 8, self.width() - 46, self.height() - 28)
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.75))
        painter.setFont(small)
        if self.mode == "spectrum":
            self._paint_spectrum(painter, area)
        else:
            self._paint_waveform(painter, area)

    def _paint_spectrum(self, painter: QPainter, area: QRectF) -> None:
        grid, text = QColor("#262a2f"), QColor("#7d848c")
        log_low, log_span = np.log10(LOW_HZ), np.log10(HIGH_HZ) - np.log10(LOW_HZ)
        for hz, label in ((100, "100"), (1000, "1k"), (10000, "10k"), (50, ""), (200, ""), (500, "500"), (2000, "")):
            x = area.left() + area.width() * (np.log10(hz) - log_low) / log_span
            painter.setPen(grid)
            painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))
            painter.setPen(text)
            painter.drawText(QRectF(x - 20, area.bottom() + 2, 40, 16), Qt.AlignmentFlag.AlignCenter, label)
        for db in range(0, int(BOTTOM_DB) - 1, -24):
            y = area.top() + area.height() * (TOP_DB - db) / (TOP_DB - BOTTOM_DB)
            painter.setPen(grid)
            painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            painter.setPen(text)
            painter.drawText(QRectF(0, y - 8, 34, 16), Qt.AlignmentFlag.AlignRight, f"{db}")
        painter.drawText(QRectF(0, area.bottom() + 2, 36, 16), Qt.AlignmentFlag.AlignRight, "Hz")
        if self._levels is None:
            return
        levels = np.clip(self._levels, BOTTOM_DB, TOP_DB)
        xs = area.left() + area.width() * (np.arange(levels.size) + 0.5) / levels.size
        ys = area.top() + area.height() * (TOP_DB - levels) / (TOP_DB - BOTTOM_DB)
        line = _polyline(xs, ys)
        fill = QPolygonF(line)
        fill.prepend(QPointF(area.left(), area.bottom()))
        fill.append(QPointF(area.right(), area.bottom()))
        gradient = QLinearGradient(0, area.top(), 0, area.bottom())
        gradient.setColorAt(0.0, QColor(255, 150, 40, 170))
        gradient.setColorAt(1.0, QColor(255, 120, 20, 25))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)  # antialiased, the fill costs twice as much
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(gradient)
        painter.drawPolygon(fill)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(_line_pen())
        painter.drawPolyline(line)

    def _paint_waveform(self, painter: QPainter, area: QRectF) -> None:
        grid, text = QColor("#262a2f"), QColor("#7d848c")
        middle = area.center().y()
        for value in (1.0, 0.5, 0.0, -0.5, -1.0):
            y = middle - value * area.height() / 2
            painter.setPen(grid)
            painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            painter.setPen(text)
            painter.drawText(QRectF(0, y - 8, 34, 16), Qt.AlignmentFlag.AlignRight, f"{value:g}")
        if self._wave is None:
            return
        wave = np.clip(self._wave, -1.0, 1.0)
        xs = area.left() + area.width() * np.arange(wave.size) / (wave.size - 1)
        painter.setPen(_line_pen())
        painter.drawPolyline(_polyline(xs, middle - wave * area.height() / 2))


def _polyline(xs: np.ndarray, ys: np.ndarray) -> QPolygonF:
    return QPolygonF([QPointF(x, y) for x, y in zip(xs.tolist(), ys.tolist(), strict=True)])


def _line_pen() -> QPen:
    # A cosmetic 1-pixel pen: antialiased lines of any other width cost several times more to draw
    # (the scope is painted 15 times a second, in software under X).
    pen = QPen(QColor("#ffa640"), 1.0)
    pen.setCosmetic(True)
    return pen
