"""Presets shipped with neuralfx (installed as the package `neuralfx_presets`)."""
