"""A third-party power monitor, installed as a distribution, is named in an inventory.

The example package (``testing/data/plugins/farm-scpi-ammeter``, also shown in the README) is
built and pip-installed into a directory put on ``PYTHONPATH``, so the farm finds it through
its ``farm.powermon`` entry point exactly as it would a package installed by a lab.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from testing.core.conftest import run_farm

PLUGIN = Path(__file__).parents[1] / "data" / "plugins" / "farm-scpi-ammeter"

INVENTORY = """\
boards:
  - id: l4r5-bench
    target: NUCLEO_L4R5ZI
    backend: pyocd
    probe: {{uid: 0670FF505055877267052441}}
    power_monitor:
      type: scpi-ammeter
      port: /dev/ttyUSB3
      {option}
"""


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("plugin")
    source = shutil.copytree(PLUGIN, work / "src")  # the build writes beside the sources
    target = work / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert list(target.glob("farm_scpi_ammeter-0.1.0.dist-info/entry_points.txt"))
    return target


def _check(project: Path, site: Path, option: str) -> subprocess.CompletedProcess[str]:
    (project / "inventory.yaml").write_text(INVENTORY.format(option=option))
    env = {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    return run_farm("inventory", "check", "inventory.yaml", cwd=project, env=env)


def test_plugin_monitor_passes_inventory_check(plugin_path: Path, tmp_path: Path) -> None:
    done = _check(tmp_path, plugin_path, "range_a: 0.01")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "inventory.yaml: ok, 1 boards (1 pyocd)" in done.stdout


def test_typo_in_plugin_options_names_line_and_suggests(plugin_path: Path, tmp_path: Path) -> None:
    done = _check(tmp_path, plugin_path, "rnage_a: 0.01")
    assert done.returncode == 2, done.stdout + done.stderr
    assert (
        "inventory.yaml:9:7: board 'l4r5-bench' unknown key 'power_monitor.rnage_a'; allowed "
        "keys: port, range_a, sample_rate_hz, supply_mv, type (did you mean 'range_a'?)"
    ) in done.stderr


def test_bad_plugin_option_value_names_what_is_allowed(plugin_path: Path, tmp_path: Path) -> None:
    done = _check(tmp_path, plugin_path, "sample_rate_hz: 500")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "inventory.yaml:9:23: board 'l4r5-bench' power_monitor.sample_rate_hz=500" in (
        done.stderr
    )
    assert "less than or equal to 50" in done.stderr


def test_without_the_plugin_the_type_is_unknown_with_a_suggestion(tmp_path: Path) -> None:
    (tmp_path / "inventory.yaml").write_text(
        INVENTORY.format(option="").replace("scpi-ammeter", "stlink-v3pw")
    )
    done = run_farm("inventory", "check", "inventory.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert (
        "inventory.yaml:7:13: board 'l4r5-bench' power_monitor.type='stlink-v3pw' not allowed"
        in (done.stderr)
    )
    assert "(did you mean 'stlink-v3pwr'?)" in done.stderr
