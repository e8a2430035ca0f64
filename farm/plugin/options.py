"""``--farm-*`` options, parsed once into :class:`FarmOptions` in ``pytest_configure``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from farm.errors import OptionError
from farm.matrix import Selection

RUN_ID_ENV = "FARM_RUN_ID"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``farm`` option group."""
    group = parser.getgroup("farm", "joulefarm hardware-in-the-loop farm")
    group.addoption("--farm-inventory", metavar="PATH", help="inventory file (default: settings)")
    for name, what in (
        ("models", "model names"),
        ("boards", "board or pool ids"),
        ("targets", "catalog target names"),
        ("firmware", "firmware name or name@version"),
    ):
        group.addoption(
            f"--farm-{name}", metavar="GLOBS", help=f"comma list of {what} (fnmatch globs)"
        )
    group.addoption(
        "--farm-models-dir",
        metavar="DIR|URL",
        help="models: a folder of .tflite/.onnx files or s3://bucket/prefix (default: settings)",
    )
    group.addoption("--farm-lock-dir", metavar="DIR", help="board lease lock directory")
    group.addoption("--farm-reports-dir", metavar="DIR", help="root of run directories")
    group.addoption("--farm-lease-timeout", metavar="SECONDS", help="wait for a busy board")
    group.addoption("--farm-infra-retries", metavar="N", help="retries after an infra error")
    group.addoption(
        "--farm-quarantine-after", metavar="N", help="infra errors before a board is quarantined"
    )
    group.addoption("--farm-run-id", metavar="ID", help=f"run id (default: new; or ${RUN_ID_ENV})")


@dataclass(frozen=True)
class FarmOptions:
    """The parsed ``--farm-*`` options (None: not given on the command line)."""

    selection: Selection
    settings_overrides: dict[str, Any]
    run_id: str | None


def _number(config: pytest.Config, option: str, kind: type, form: str) -> Any:
    raw = config.getoption(option.lstrip("-").replace("-", "_"))
    if raw is None:
        return None
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value < 0:
        raise pytest.UsageError(f"option '{option}': {raw!r} is not valid; use {form}")
    return value


def parse_options(config: pytest.Config) -> FarmOptions:
    """Parse every farm option; bad values raise ``pytest.UsageError`` naming the form."""
    try:
        selection = Selection.parse(
            config.getoption("farm_models"),
            config.getoption("farm_boards"),
            config.getoption("farm_targets"),
            config.getoption("farm_firmware"),
        )
    except OptionError as exc:
        raise pytest.UsageError(str(exc)) from exc
    overrides: dict[str, Any] = {
        "inventory": config.getoption("farm_inventory"),
        "models_dir": config.getoption("farm_models_dir"),
        "lock_dir": config.getoption("farm_lock_dir"),
        "reports_dir": config.getoption("farm_reports_dir"),
        "lease_timeout_s": _number(
            config, "--farm-lease-timeout", float, "seconds, e.g. --farm-lease-timeout=600"
        ),
        "infra_retries": _number(
            config, "--farm-infra-retries", int, "a count, e.g. --farm-infra-retries=1"
        ),
        "quarantine_after": _number(
            config, "--farm-quarantine-after", int, "a count >= 1, e.g. --farm-quarantine-after=3"
        ),
    }
    for key in ("inventory", "lock_dir", "reports_dir"):
        if overrides[key] is not None:
            overrides[key] = Path(overrides[key])
    return FarmOptions(
        selection=selection,
        settings_overrides={k: v for k, v in overrides.items() if v is not None},
        run_id=config.getoption("farm_run_id"),
    )
