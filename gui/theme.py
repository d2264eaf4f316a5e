"""A dark theme: Fusion with a dark palette, amber accents and large type where it counts
(readable from a few steps away, on a dim stage)."""

from __future__ import annotations

from PyQt6.QtGui import QColor, QPalette
from PyQt6.QtWidgets import QApplication

ACCENT = "#ff9f1c"

STYLE = f"""
QWidget {{ font-size: 10pt; }}
QLabel#programName {{ font-size: 20pt; font-weight: bold; color: #f4f4f4; padding: 0 8px; }}
QLabel#sectionTitle {{ font-size: 11pt; font-weight: bold; color: {ACCENT}; }}
QLabel#chip {{ background: #1c1f23; border: 1px solid #2c3036; border-radius: 9px; padding: 3px 9px;
    color: #c9ced4; }}
QLabel#chip[bad="true"] {{ color: #ff6b5b; border-color: #ff6b5b; }}
QLabel#warning {{ color: #ff6b5b; font-weight: bold; }}
QLabel#hint {{ color: #8a9099; }}
QLabel#flow {{ color: #6b727a; font-weight: bold; padding: 0 4px; }}
QLabel#presetName {{ color: {ACCENT}; font-size: 13pt; font-weight: bold; }}
QLabel#cardTitle {{ font-weight: bold; font-size: 11pt; }}
QLabel#parameterLabel {{ color: #b8bec5; }}
QPushButton#startButton {{ font-size: 12pt; font-weight: bold; padding: 6px 18px; background: #2e7d32;
    border-radius: 6px; color: white; }}
QPushButton#startButton[running="true"] {{ background: #8e2b23; }}
QPushButton#stepButton {{ font-size: 14pt; padding: 2px 12px; }}
QPushButton#primary {{ background: {ACCENT}; color: #1a1a1a; font-weight: bold; }}
QPushButton#primary:disabled {{ background: #4a4032; color: #888; }}
QToolButton#addEffect {{ font-weight: bold; padding: 4px 10px; }}
QWidget#pedalboard {{ background: #15171a; }}
QFrame#effectCard, QFrame#neuralCard {{ background: #22262b; border: 1px solid #343a41; border-radius: 10px; }}
QFrame#neuralCard {{ border: 2px solid {ACCENT}; background: #2a2520; }}
QFrame#effectCard[engaged="false"], QFrame#neuralCard[engaged="false"] {{ background: #1a1c1f; }}
QFrame#effectCard[engaged="false"] QLabel, QFrame#neuralCard[engaged="false"] QLabel {{ color: #666c73; }}
QToolButton#power {{ border: 1px solid #444; border-radius: 11px; min-width: 22px; min-height: 22px;
    color: #777; background: #1a1c1f; }}
QToolButton#power:checked {{ color: #ff4d3d; border-color: #ff4d3d; }}
QSlider::groove:horizontal {{ height: 4px; background: #3a3f45; border-radius: 2px; }}
QSlider::handle:horizontal {{ background: {ACCENT}; width: 12px; margin: -5px 0; border-radius: 6px; }}
QSlider::sub-page:horizontal {{ background: #a86a17; border-radius: 2px; }}
QTabBar::tab {{ padding: 6px 16px; }}
QFrame#levelBlock {{ background: #1d2024; border: 1px solid #343a41; border-radius: 10px; }}
QLabel#clipLight {{ background: #3a2222; color: #6b4a4a; border-radius: 4px; font-weight: bold; font-size: 8pt;
    padding: 1px 0; }}
QLabel#clipLight[lit="true"] {{ background: #ff3b30; color: white; }}
QDoubleSpinBox#knobValue {{ background: transparent; border: none; font-size: 9pt; }}
QPushButton#recordButton {{ font-weight: bold; padding: 6px 10px; }}
QPushButton#recordButton[recording="true"] {{ background: #b3261e; color: white; }}
QWidget#stage {{ background: #000000; }}
QLabel#stageSlot {{ font-size: 200px; font-weight: bold; color: {ACCENT}; }}
QLabel#stageName {{ font-weight: bold; color: #f4f4f4; }}
QLabel#stageState {{ font-size: 40px; font-weight: bold; color: #9aa1a9; }}
QLabel#stageState[on="true"] {{ color: #ff4d3d; }}
QTabBar::tab:selected {{ color: {ACCENT}; }}
"""


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    palette = QPalette()
    colors = {
        QPalette.ColorRole.Window: "#1b1d20",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#141619",
        QPalette.ColorRole.AlternateBase: "#1f2226",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#2a2e33",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#141414",
        QPalette.ColorRole.ToolTipBase: "#2a2e33",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#6b727a",
    }
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b727a"))
    app.setPalette(palette)
    app.setStyleSheet(STYLE)
