"""joulefarm: a pytest-driven hardware-in-the-loop farm for ML models on edge boards."""

__version__ = "0.1.0"
