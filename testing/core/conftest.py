"""Helpers for the farm-core tests: inventory files and the real `farm` console script."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

FARM = Path(sys.executable).parent / "farm"


def run_farm(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None):
    """Run the installed ``farm`` script; returns the CompletedProcess."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FARM_")}
    return subprocess.run(
        [str(FARM), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**clean, **(env or {})},
        timeout=60,
        check=False,
    )


@pytest.fixture
def write_inventory(tmp_path: Path) -> Callable[[str], Path]:
    """Write YAML text to ``tmp_path/inventory.yaml`` and return the path."""

    def write(text: str, name: str = "inventory.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def make_project(
    root: Path,
    boards: str,
    models: dict[str, int | None] | None = None,
    firmware: dict[str, str] | None = None,
    settings: str = "",
) -> Path:
    """A farm project in ``root``: pyproject (lock/reports dirs inside root), inventory,
    model files (name.ext -> blob_bytes or None) and firmware recipes (name -> recipe YAML)."""
    (root / "pyproject.toml").write_text(
        "[tool.joulefarm]\n"
        f"lock_dir = '{root / 'locks'}'\n"
        f"reports_dir = '{root / 'reports'}'\n" + settings,
        encoding="utf-8",
    )
    (root / "inventory.yaml").write_text("boards:\n" + boards, encoding="utf-8")
    (root / "models").mkdir(exist_ok=True)
    meta = []
    for n, (file_name, blob) in enumerate((models or {}).items()):
        (root / "models" / file_name).write_bytes(bytes([n]) * 64)
        if blob is not None:
            meta.append(f"{Path(file_name).stem}: {{blob_bytes: {blob}, task: kws}}")
    if meta:
        (root / "models" / "models.yaml").write_text("\n".join(meta) + "\n", encoding="utf-8")
    for name, recipe in (firmware or {}).items():
        (root / "firmware" / name).mkdir(parents=True, exist_ok=True)
        (root / "firmware" / name / "recipe.yaml").write_text(recipe, encoding="utf-8")
    return root


FIVE_BOARDS = """\
  - {id: l4r5-01, target: NUCLEO_L4R5ZI, backend: qemu}
  - {id: f767-01, target: NUCLEO_F767ZI, backend: qemu}
  - {id: g431-01, target: NUCLEO_G431RB, backend: qemu}
  - {id: u575-01, target: NUCLEO_U575ZI_Q, backend: qemu}
  - {id: rpi5-01, target: RPI5, backend: ssh, ssh: {host: 127.0.0.1, port: 2222}}
  - {id: off-01, target: NUCLEO_L476RG, backend: qemu, enabled: false}
"""
THREE_MODELS = {"kws_s.tflite": None, "vww_big.tflite": 400_000, "ad.onnx": None}
HARNESS = {
    "harness": "name: harness\nversions:\n  '1.0': {}\n  '1.1': {}\n"
    "cores: [cortex-m4, cortex-m7, cortex-m33, cortex-a76]\nbuild: {ignored: here}\n"
}
