"""The files uploaded to boards must run on a board's own Python (JetPack 5 ships 3.8)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from farm.devices import ina3221, remote_runner

BOARD_SIDE = [Path(remote_runner.__file__), Path(ina3221.__file__)]
ALLOWED_IMPORTS = {
    "__future__", "argparse", "base64", "glob", "importlib", "json", "os", "platform", "signal",
    "subprocess", "sys", "threading", "time", "numpy", "ai_edge_litert", "tflite_runtime",
    "onnxruntime",
}  # fmt: skip


@pytest.mark.parametrize("path", BOARD_SIDE, ids=lambda p: p.name)
def test_parses_as_python_3_8(path: Path) -> None:
    ast.parse(path.read_text(), filename=str(path), feature_version=(3, 8))


@pytest.mark.parametrize("path", BOARD_SIDE, ids=lambda p: p.name)
def test_imports_only_stdlib_numpy_and_runtimes(path: Path) -> None:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    assert names <= ALLOWED_IMPORTS, f"{path.name} imports {sorted(names - ALLOWED_IMPORTS)}"


@pytest.mark.parametrize("path", BOARD_SIDE, ids=lambda p: p.name)
def test_no_3_9_plus_library_calls(path: Path) -> None:
    text = path.read_text()
    for newer in ("removeprefix", "removesuffix", "strict=", "functools.cache(", "zoneinfo"):
        assert newer not in text, f"{path.name} uses {newer} (Python >= 3.9)"
