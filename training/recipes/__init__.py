"""End-to-end recipes that reproduce the shipped presets."""
