"""``farm build --json`` through the real console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from testing.build.conftest import REPO

FARM = Path(sys.executable).parent / "farm"


def _farm(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FARM), "build", *args, "--cache-dir", str(cache), "--builder", "host"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_build_json_then_all_hits(build_cache: Path) -> None:
    args = ("--firmware", "joulefarm-harness", "--target", "mps2_an386", "--json")
    first = _farm(*args, cache=build_cache)
    assert first.returncode == 0, first.stderr
    rows = json.loads(first.stdout)
    assert [(r["version"], r["target"]) for r in rows] == [
        ("1.0", "mps2_an386"),
        ("1.1", "mps2_an386"),
    ]
    assert set(rows[0]) == {
        "firmware", "version", "target", "cache", "seconds", "builder", "flash_bytes",
        "ram_bytes", "stack", "elf", "model",
    }  # fmt: skip
    assert rows[0]["model"] is None  # the harness loads a blob: no model in the image
    stack = rows[1]["stack"]  # 1.1: the DSP kernels, the deepest chains
    assert stack["main_chain"][0] == "Reset_Handler"
    assert stack["worst_bytes"] <= stack["limit_bytes"] == 16384
    assert Path(rows[0]["elf"]).is_file() and rows[0]["builder"] == "host"
    again = json.loads(_farm(*args, cache=build_cache).stdout)
    assert [r["cache"] for r in again] == ["hit", "hit"]


def test_unknown_firmware_exits_2(build_cache: Path) -> None:
    done = _farm("--firmware", "joulefarm-harnes", cache=build_cache)
    assert done.returncode == 2
    assert "firmware 'joulefarm-harnes': no such recipe" in done.stderr
    assert "did you mean 'joulefarm-harness'" in done.stderr
