"""Run pytest on a generated farm project in a subprocess (the farm plugin loads through its
``pytest11`` entry point, exactly as in a user's run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def clean_env() -> dict[str, str]:
    """Our environment without pytest/xdist/farm variables of the outer run."""
    drop = ("PYTEST_", "FARM_", "COV_CORE")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


# The result recorder and the HIL fixtures are plugins of farm.plugin too; these tests are
# about the core (matrix, leases, errors), so they run without them: faster and isolated.
OTHER_FARM_PLUGINS = ("-p", "no:farm.plugin.recording", "-p", "no:farm.plugin.hil")


def argv_for_pytest(*args: str) -> list[str]:
    """``python -m pytest -p no:cacheprovider <args>`` without the recorder/HIL plugins."""
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *OTHER_FARM_PLUGINS, *args]


def run_pytest(root: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run pytest in ``root`` and return the finished process."""
    return subprocess.run(
        argv_for_pytest(*args),
        cwd=root,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
