"""``--farm-*`` options, parsed once into :class:`FarmOptions` in ``pytest_configure``.

The matrix selection options are declared here; every other option is generated from a
:class:`~farm.settings.FarmSettings` field (name, help text and type), so a new setting is
one field in ``settings.py`` and appears as ``--farm-<name>``, ``FARM_<NAME>`` and in
``farm config`` at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from farm.errors import OptionError
from farm.matrix import Selection
from farm.s3_connection import is_s3_url
from farm.settings import FarmSettings, env_name, option_name

SELECTION_OPTIONS = (
    ("models", "model names"),
    ("boards", "board or pool ids"),
    ("targets", "catalog target names"),
    ("firmware", "firmware name or name@version"),
)


def _dest(field: str) -> str:
    return option_name(field).removeprefix("--").replace("-", "_")


def _metavar(name: str, field: FieldInfo) -> str:
    if field.annotation in (Path, Path | None):
        return "PATH" if name == "inventory" else "DIR"
    if name.endswith("_s"):
        return "SECONDS"
    return "N" if field.annotation is int else "VALUE"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``farm`` option group."""
    group = parser.getgroup("farm", "joulefarm hardware-in-the-loop farm")
    for name, what in SELECTION_OPTIONS:
        group.addoption(
            f"--farm-{name}", metavar="GLOBS", help=f"comma list of {what} (fnmatch globs)"
        )
    for name, field in FarmSettings.model_fields.items():
        group.addoption(
            option_name(name),
            dest=_dest(name),
            metavar=_metavar(name, field),
            help=f"{(field.description or name).rstrip('.')} (setting {name}, ${env_name(name)})",
        )


@dataclass(frozen=True)
class FarmOptions:
    """The parsed ``--farm-*`` options (None: not given on the command line)."""

    selection: Selection
    settings_overrides: dict[str, Any]


def _form(name: str, field: FieldInfo) -> str:
    example = f"{option_name(name)}={field.default}"
    if name.endswith("_s"):
        return f"seconds, e.g. {example}"
    if field.annotation is int:
        floor = next((m.ge for m in field.metadata if getattr(m, "ge", None) is not None), None)
        return f"a count{f' >= {floor}' if floor else ''}, e.g. {example}"
    return f"{field.description or 'a value'}".rstrip(".")


def _setting(config: pytest.Config, name: str, field: FieldInfo) -> Any:
    raw = config.getoption(_dest(name))
    if raw is None:
        return None
    if is_s3_url(raw):
        return raw  # FarmSettings parses s3:// locations (a Path would fold the '//')
    kind = Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
    adapter = TypeAdapter(kind)
    try:
        return adapter.validate_python(raw)
    except ValidationError:
        raise pytest.UsageError(
            f"option '{option_name(name)}': {raw!r} is not valid; use {_form(name, field)}"
        ) from None


def parse_options(config: pytest.Config) -> FarmOptions:
    """Parse every farm option; bad values raise ``pytest.UsageError`` naming the form."""
    try:
        selection = Selection.parse(*(config.getoption(f"farm_{n}") for n, _ in SELECTION_OPTIONS))
    except OptionError as exc:
        raise pytest.UsageError(str(exc)) from exc
    overrides = {
        name: _setting(config, name, field) for name, field in FarmSettings.model_fields.items()
    }
    return FarmOptions(
        selection=selection,
        settings_overrides={k: v for k, v in overrides.items() if v is not None},
    )
