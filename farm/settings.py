"""Farm settings: command-line options > ``FARM_*`` environment > ``[tool.joulefarm]`` >
defaults. Every value remembers where it came from (``farm config`` prints both)."""

from __future__ import annotations

import enum
import os
import tempfile
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from farm.did_you_mean import did_you_mean
from farm.errors import OptionError
from farm.s3_connection import S3Location, is_s3_url

ENV_PREFIX = "FARM_"


def _args(info: Any) -> tuple[Any, ...]:
    return typing.get_args(info.annotation)


class Source(enum.StrEnum):
    """Where a setting's value came from."""

    CLI = "command line"
    ENV = "environment"
    PYPROJECT = "pyproject.toml"
    DEFAULT = "default"


class EnergyRule(enum.StrEnum):
    """How long and how many energy windows a measurement takes."""

    SAMPLES = "samples"
    """>= 200 monitor samples per window, one window (quick; the edge error stays <= 1 %)."""
    MLPERF = "mlperf"
    """MLPerf Tiny's rule: windows of >= 10 s, median of 5 (for real boards)."""


BuilderName = Literal["auto", "host", "container", "podman", "docker"]


class FarmSettings(BaseModel):
    """Effective settings. Relative paths are relative to the project root.

    Every field is also the environment variable ``FARM_<FIELD>`` and the pytest option
    ``--farm-<field>`` (dashes, without a trailing ``_s``): see :func:`option_name`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    inventory: Path = Path("inventory.yaml")
    """The inventory file."""
    lock_dir: Path = Path(tempfile.gettempdir()) / "joulefarm-locks"
    """Board lease locks; machine-wide on purpose so separate checkouts and runs share them."""
    cache_dir: Path = Path(".farm/cache")
    """Firmware images, model blobs and per-board scratch directories."""
    state_dir: Path | None = None
    """Farm state kept across runs (ssh_known_hosts); default: the parent of cache_dir."""
    reports_dir: Path = Path("reports")
    """Run directories ``<reports_dir>/<run_id>/`` go here."""
    models_dir: Path | S3Location = Path("models")
    """The models: a folder of .tflite/.onnx files, or ``s3://bucket/prefix`` (fetched with the
    ``farm push`` S3 connection settings into ``cache_dir``)."""
    firmware_dir: Path = Path("firmware")
    """Firmware recipes and BSPs."""
    baseline_firmware: str | None = None
    """Firmware the run page's side-by-side ratios divide by (``name@version``, glob or bare
    version); None: per (model, target), the first version in the recipe."""
    run_id: str | None = None
    """Run id (default: a new one per run; xdist workers take the controller's)."""
    lease_timeout_s: float = Field(900.0, gt=0)
    """Seconds to wait for a busy board."""
    infra_retries: int = Field(1, ge=0, le=5)
    """Retries after an infra error."""
    quarantine_after: int = Field(3, ge=1)
    """Consecutive infra errors before a board is quarantined."""
    dut_handshake_timeout_s: float = Field(10.0, gt=0)
    """Seconds from reset to the firmware's m-ready."""
    dut_inference_timeout_s: float = Field(120.0, gt=0)
    """Seconds one inference exchange may take."""
    builder: BuilderName = "auto"
    """Firmware builder: auto, host, container, podman or docker."""
    rootfs_dir: Path | None = None
    """Podman toolchain rootfs (default ~/.cache/joulefarm/rootfs/arm-gcc)."""
    hil_inputs: int = Field(3, ge=1)
    """Inputs checked bit for bit per inference test."""
    hil_timed_inferences: int = Field(5, ge=1)
    """Inferences per timed window."""
    hil_windows: int = Field(3, ge=1)
    """Timed windows; latency is their median."""
    hil_seed: int = 20261122
    """Seed of the generated model inputs (the same seed gives the same rows)."""
    progress_every_s: float = Field(30.0, gt=0)
    """Seconds between progress lines of a long run."""
    max_workers: int = Field(32, ge=1)
    """Cap on the workers of ``-n auto`` (one per board); ``-n N`` is obeyed as given."""
    fleet_host: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    """Lab PC this process runs for (``farm fleet`` shards set it): only the boards whose
    inventory ``host`` names it are used, and rows record it. None: every board."""
    energy_rule: EnergyRule = EnergyRule.SAMPLES
    """Energy windows: ``samples`` (>= 200 samples, one window) or ``mlperf`` (>= 10 s, 5)."""

    @field_validator("models_dir", mode="before")
    @classmethod
    def _folder_or_s3(cls, value: Any) -> Any:
        if is_s3_url(value):
            try:
                return S3Location.parse(value)
            except ValueError as exc:
                raise ValueError(str(exc)) from None
        return Path(value) if isinstance(value, str) else value


def option_name(field: str) -> str:
    """The pytest option of a setting: ``lease_timeout_s`` -> ``--farm-lease-timeout``."""
    return "--farm-" + field.removesuffix("_s").replace("_", "-")


def env_name(field: str) -> str:
    """The environment variable of a setting: ``lease_timeout_s`` -> ``FARM_LEASE_TIMEOUT_S``."""
    return ENV_PREFIX + field.upper()


PATH_FIELDS = tuple(
    name for name, f in FarmSettings.model_fields.items() if Path in (f.annotation, *_args(f))
)


@dataclass(frozen=True)
class ResolvedSettings:
    """Settings with the source of each value and the project root they are relative to."""

    values: FarmSettings
    sources: dict[str, Source]
    root: Path
    pyproject: Path | None

    def rows(self) -> list[tuple[str, str, str]]:
        """(name, value, source) for display."""
        return [
            (k, str(getattr(self.values, k)), self.sources[k]) for k in FarmSettings.model_fields
        ]


def find_pyproject(start: Path) -> Path | None:
    """Nearest ``pyproject.toml`` walking up from ``start``."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _pyproject_table(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise OptionError(f"file '{path}': cannot read [tool.joulefarm]: {exc}", path=path) from exc
    table = data.get("tool", {}).get("joulefarm", {})
    return {k.replace("-", "_"): v for k, v in table.items()}


def resolve_settings(
    cli: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> ResolvedSettings:
    """Merge the four layers; unknown keys and bad values raise OptionError naming the source."""
    cwd = (cwd or Path.cwd()).resolve()
    env = os.environ if env is None else env
    pyproject = find_pyproject(cwd)
    root = pyproject.parent if pyproject else cwd
    known = list(FarmSettings.model_fields)
    layers: list[tuple[Source, dict[str, Any]]] = [
        (Source.PYPROJECT, _pyproject_table(pyproject)),
        (Source.ENV, {k[len(ENV_PREFIX):].lower(): v for k, v in env.items()
                      if k.startswith(ENV_PREFIX) and k[len(ENV_PREFIX):].lower() in known}),
        (Source.CLI, {k: v for k, v in (cli or {}).items() if v is not None}),
    ]  # fmt: skip
    merged: dict[str, Any] = {}
    sources = {k: Source.DEFAULT for k in known}
    for source, layer in layers:
        for key, value in layer.items():
            if key not in known:
                where = pyproject if source is Source.PYPROJECT else source
                raise OptionError(
                    f"setting '{key}' from {where}: unknown; known settings: {', '.join(known)}"
                    + did_you_mean(key, known)
                )
            merged[key], sources[key] = value, source
    try:
        values = FarmSettings.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = str(err["loc"][0])
        raise OptionError(
            f"setting '{key}'={merged.get(key)!r} from {sources[key]}: {err['msg']}", field=key
        ) from exc
    # Paths typed by the user are relative to where they typed them; file defaults to the root.
    absolute = {}
    for key in PATH_FIELDS:
        value = getattr(values, key)
        if isinstance(value, Path) and not value.is_absolute():
            base = cwd if sources[key] in (Source.CLI, Source.ENV) else root
            absolute[key] = base / value.expanduser()
    values = values.model_copy(update=absolute)
    if values.state_dir is None:
        values = values.model_copy(update={"state_dir": values.cache_dir.parent})
    return ResolvedSettings(values, sources, root, pyproject)
