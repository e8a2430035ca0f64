"""The build log: what a build command writes lands in it, a build that runs too long is stopped."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from farm.build.build_log import TIMEOUT_STATUS, first_error, run_logged


def test_run_logged_appends_the_command_and_its_output(tmp_path: Path) -> None:
    log = tmp_path / "build.log"
    log.write_text("earlier build\n")
    argv = [
        sys.executable,
        "-c",
        "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)",
    ]
    status = run_logged(argv, log, 60, shown="make BSP=x", cwd=tmp_path)
    assert status == 3
    lines = log.read_text().splitlines()
    assert lines[:2] == ["earlier build", "$ make BSP=x"]
    assert sorted(lines[2:]) == ["err", "out"]


def test_run_logged_stops_a_build_that_runs_too_long(tmp_path: Path) -> None:
    log = tmp_path / "build.log"
    started = time.monotonic()
    status = run_logged(
        [sys.executable, "-c", "import time; time.sleep(60)"], log, 0.5, shown="sleep"
    )
    assert status == TIMEOUT_STATUS
    assert time.monotonic() - started < 30  # stopped, not waited out (generous: loaded machine)
    assert log.read_text().splitlines()[-1] == "farm: build timed out after 0 s"


def test_first_error_names_the_failing_file() -> None:
    text = "CC main.c\nsrc/kernel.c:12:5: error: 'x' undeclared\nmake: *** [x] Error 1\n"
    assert first_error(text) == "src/kernel.c:12: 'x' undeclared"
    assert first_error("ld: region `FLASH' overflowed by 1024 bytes\n") == (
        "link: region `FLASH' overflowed by 1024 bytes"
    )
    assert first_error("all good\n") is None
