"""The runtime's C requantization equals TFLite's formulas (written out literally in C)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from farm.compiler.host_runtime import RUNTIME_DIR


def test_requantization_matches_tflite_formulas(tmp_path: Path) -> None:
    exe = tmp_path / "requant_check"
    src = Path(__file__).with_name("c") / "requant_check.c"
    subprocess.run(
        [
            "gcc",
            "-O2",
            "-std=c11",
            "-Wall",
            "-Wextra",
            "-Werror",
            f"-I{RUNTIME_DIR / 'src'}",
            str(src),
            "-o",
            str(exe),
        ],
        check=True,
    )
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout
    assert out.stdout.strip() == "mismatches 0"
