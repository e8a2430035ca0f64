"""Settings precedence: CLI > FARM_* env > [tool.joulefarm] > defaults, with sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm.errors import OptionError
from farm.settings import FarmSettings, Source, env_name, option_name, resolve_settings
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
    assert lines["dut_handshake_timeout_s"].endswith("(default)")
    # farm config shows every setting, and only settings
    assert set(lines) == set(FarmSettings.model_fields)
    assert lines["state_dir"].endswith(f"{project / '.farm'}  (default)")  # cache_dir's parent


def test_every_setting_is_an_env_variable_and_an_option(project: Path) -> None:
    env = {env_name(name): "" for name in FarmSettings.model_fields}
    assert "FARM_HIL_SEED" in env and "FARM_BUILDER" in env and "FARM_STATE_DIR" in env
    assert option_name("lease_timeout_s") == "--farm-lease-timeout"
    resolved = resolve_settings(
        env={"FARM_HIL_SEED": "7", "FARM_BUILDER": "host", "FARM_STATE_DIR": "st"}, cwd=project
    )
    assert (resolved.values.hil_seed, resolved.values.builder) == (7, "host")
    assert resolved.values.state_dir == project / "st"
    with pytest.raises(OptionError, match=r"setting 'builder'='gcc' from environment"):
        resolve_settings(env={"FARM_BUILDER": "gcc"}, cwd=project)


def test_pytest_options_are_generated_from_the_settings(project: Path) -> None:
    from testing.plugin.conftest import run_pytest

    done = run_pytest(project, "--help")
    assert done.returncode == 0, done.stderr
    for name in FarmSettings.model_fields:
        assert option_name(name) in done.stdout, name
    done = run_pytest(project, "--collect-only", "--farm-reports-dir=out", "--farm-hil-seed=7")
    assert done.returncode in (0, 5), done.stdout + done.stderr  # 5: no tests collected
    done = run_pytest(project, "--farm-quarantine-after=0")
    assert done.returncode == 4
    assert (
        "option '--farm-quarantine-after': '0' is not valid; use a count >= 1, "
        "e.g. --farm-quarantine-after=3" in done.stderr
    )
