"""neuralfx training (torch): data preparation, the torch model, the loop, reports and preset export.

Installed as the package `neuralfx_training` (`pip install neuralfx[train]`).
"""
