"""addressbook.ui: the PySide6 window (the only package that imports Qt).

pyproject.toml keeps PySide6 below 6.12 on Python 3.11: 6.12.0 drops a reference to
None on every void call there, and the interpreter aborts ("deallocating None").
"""
