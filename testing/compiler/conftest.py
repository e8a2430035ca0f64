"""Fixtures: the generated test models, written once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.compiler import sample_models


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("models")
    for name, make in sample_models.ALL.items():
        (d / f"{name}.tflite").write_bytes(make())
    return d
