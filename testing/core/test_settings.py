"""Settings precedence: CLI > FARM_* env > [tool.joulefarm] > defaults, with sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm.errors import OptionError
from farm.settings import Source, resolve_settings
from testing.core.conftest import run_farm


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.joulefarm]\ninventory = 'lab.yaml'\nlease-timeout-s = 30\nquarantine_after = 5\n"
    )
    (tmp_path / "sub").mkdir()
    return tmp_path


def test_layers_and_sources(project: Path) -> None:
    env = {"FARM_LEASE_TIMEOUT_S": "12.5", "FARM_UNRELATED": "x"}
    resolved = resolve_settings({"quarantine_after": 7}, env=env, cwd=project / "sub")
    values, sources = resolved.values, resolved.sources
    assert values.inventory == project / "lab.yaml"  # relative to the pyproject, not cwd
    assert sources["inventory"] is Source.PYPROJECT
    assert (values.lease_timeout_s, sources["lease_timeout_s"]) == (12.5, Source.ENV)
    assert (values.quarantine_after, sources["quarantine_after"]) == (7, Source.CLI)
    assert (values.infra_retries, sources["infra_retries"]) == (1, Source.DEFAULT)


def test_bad_value_names_setting_and_source(project: Path) -> None:
    with pytest.raises(OptionError, match=r"setting 'infra_retries'='many' from environment"):
        resolve_settings(env={"FARM_INFRA_RETRIES": "many"}, cwd=project)


def test_unknown_pyproject_key_suggests(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.joulefarm]\ninventroy = 'x.yaml'\n")
    with pytest.raises(OptionError, match=r"did you mean 'inventory'\?"):
        resolve_settings(env={}, cwd=project)


def test_farm_config_prints_values_and_sources(project: Path) -> None:
    done = run_farm("config", cwd=project, env={"FARM_INFRA_RETRIES": "2"})
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines()}
    assert lines["inventory"].endswith(f"{project / 'lab.yaml'}  (pyproject.toml)")
    assert lines["infra_retries"].endswith("2  (environment)")
    assert lines["flash_timeout_s"].endswith("(default)")
