"""The neuralfx desktop app (PyQt6), installed as the package `neuralfx_gui`."""
