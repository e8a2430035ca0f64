"""What the matrix is made of: models in ``models/`` and firmware in ``firmware/<name>/``.

Only what the matrix needs is read here. ``models/models.yaml`` (optional, written by the model
zoo) maps a model name to metadata (task, family, input_shape, output_shape, macs, params,
blob_bytes, arena_bytes, and the hand-kept ``model_id`` the blob reports in ``profile%``);
missing files or keys are fine. A firmware recipe
``firmware/<name>/recipe.yaml`` is owned by the build area; here we read ``name``,
``versions`` (a mapping or a list of version strings) and ``cores`` / ``targets`` (lists of what
it supports; absent means everything).
"""

from __future__ import annotations

import enum
import fnmatch
import logging
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from farm.errors import ConfigError, RecipeError
from farm.file_digest import file_sha256
from farm.yaml_locations import load_located_yaml

log = logging.getLogger(__name__)

MODELS_METADATA = "models.yaml"
RECIPE_FILE = "recipe.yaml"


class ModelFormat(enum.StrEnum):
    """Model file format, from the suffix."""

    TFLITE = "tflite"
    ONNX = "onnx"


class ModelSpec(BaseModel):
    """One model file of the zoo."""

    model_config = ConfigDict(frozen=True)

    name: str
    path: Path
    format: ModelFormat
    sha256: str
    metadata: dict[str, Any] = Field(default_factory=dict)
    source: str | None = None
    """Where the file came from when it is not a local folder: ``s3://bucket/key``."""
    source_version: str | None = None
    """The object's version id, when the bucket is versioned."""
    fetch_error: str | None = None
    """Why the file could not be fetched (its tests error with this; ``path`` does not exist)."""

    @property
    def blob_bytes(self) -> int | None:
        """Flash the model blob needs (from models.yaml), if known."""
        value = self.metadata.get("blob_bytes")
        return int(value) if isinstance(value, int | float) else None

    @property
    def arena_bytes(self) -> int | None:
        """RAM the tensor arena needs (from models.yaml), if known."""
        value = self.metadata.get("arena_bytes")
        return int(value) if isinstance(value, int | float) else None

    @property
    def model_id(self) -> str | None:
        """Id the blob carries for ``profile%`` (models.yaml ``model_id``), None: the stem."""
        value = self.metadata.get("model_id")
        return str(value) if value is not None else None

    @property
    def key(self) -> str:
        """Unique name in the matrix: the stem, plus ``.onnx`` for the ONNX twin of a model."""
        return self.name if self.format is ModelFormat.TFLITE else f"{self.name}.onnx"


class FirmwareSpec(BaseModel):
    """One version of one firmware."""

    model_config = ConfigDict(frozen=True)

    name: str
    version: str
    recipe_path: Path
    cores: tuple[str, ...] | None = None
    """Cores the recipe supports (None: not restricted)."""
    targets: tuple[str, ...] | None = None
    """Targets the recipe supports (None: not restricted)."""
    models: tuple[str, ...] | None = None
    """fnmatch globs of the models the recipe runs (None: every model)."""
    model_in_image: bool = False
    """The recipe compiles the model in (``model: embedded``): one image per model."""

    @property
    def key(self) -> str:
        """``name@version`` as used in test ids."""
        return f"{self.name}@{self.version}"

    def runs_model(self, name: str) -> bool:
        """True when the recipe's ``models`` globs (if any) match model ``name``."""
        return self.models is None or any(fnmatch.fnmatchcase(name, g) for g in self.models)

    def supports(self, target: str, core: str) -> bool:
        """True when this firmware can be built for ``target`` (with CPU ``core``).

        Names compare loosely (``Cortex-M4``, ``cortex-m4f`` and ``m4`` are one core) because
        the recipe format belongs to the build area.
        """
        if self.targets is not None and target.upper() not in {t.upper() for t in self.targets}:
            return False
        return self.cores is None or core_key(core) in {core_key(c) for c in self.cores}


def core_key(core: str) -> str:
    """Loose core name: ``Cortex-M4F`` -> ``m4``, ``cortex-m33`` -> ``m33``."""
    key = re.sub(r"[^a-z0-9]", "", core.lower()).removeprefix("arm").removeprefix("cortex")
    return key[:-1] if key.startswith("m") and key.endswith("f") else key


def _read_yaml(path: Path, error_cls: type[ConfigError]) -> Any:
    """The file's data; unreadable or malformed YAML raises ``error_cls`` at YAML's mark."""
    return load_located_yaml(path, error_cls).data


def read_models_metadata(meta_path: Path) -> dict[str, Any]:
    """``models.yaml``: model name -> metadata mapping (empty when the file is absent)."""
    if not meta_path.is_file():
        return {}
    loaded = _read_yaml(meta_path, ConfigError)
    metadata = loaded.get("models", loaded) if isinstance(loaded, dict) else {}
    return metadata if isinstance(metadata, dict) else {}


def is_model_file(name: str) -> bool:
    """True for the file names the matrix takes as models (``.tflite``, ``.onnx``)."""
    return Path(name).suffix in (".tflite", ".onnx")


def model_spec(
    path: Path, metadata: dict[str, Any], meta_path: Path | None = None, **extra: Any
) -> ModelSpec:
    """The spec of one model file (``extra``: sha256 when known, source fields)."""
    meta = metadata.get(path.stem)
    if isinstance(meta, dict) and "model_id" in meta:
        _check_model_id(meta["model_id"], path.stem, meta_path or Path(MODELS_METADATA))
    extra.setdefault("sha256", file_sha256(path) if path.is_file() else "")
    return ModelSpec(
        name=path.stem,
        path=path,
        format=ModelFormat(path.suffix[1:]),
        metadata=meta if isinstance(meta, dict) else {},
        **extra,
    )


def discover_models(models_dir: Path) -> list[ModelSpec]:
    """Every ``*.tflite`` and ``*.onnx`` directly in ``models_dir``, sorted by name."""
    if not models_dir.is_dir():
        return []
    metadata = read_models_metadata(models_dir / MODELS_METADATA)
    return [
        model_spec(path, metadata, models_dir / MODELS_METADATA)
        for path in sorted(models_dir.iterdir())
        if is_model_file(path.name) and path.is_file()
    ]


def _check_model_id(value: Any, model: str, meta_path: Path) -> None:
    from farm.compiler.blob_format import model_id_problem

    problem = model_id_problem(value) if isinstance(value, str) else f"{value!r} is not a string"
    if problem is not None:
        raise ConfigError(
            f"model '{model}': model_id {problem}; it is what profile% reports "
            "(MLPerf Tiny ids: kws01, vww01, ic01, ad01)",
            path=meta_path,
            field=f"{model}.model_id",
        )


def _str_tuple(value: Any, key: str, path: Path) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise RecipeError(f"recipe '{path.parent.name}': {key} must be a list of names", path=path)


def read_recipe(path: Path) -> list[FirmwareSpec]:
    """The versions declared by one recipe file."""
    data = _read_yaml(path, RecipeError)
    if not isinstance(data, dict):
        raise RecipeError(f"recipe '{path.parent.name}': not a mapping", path=path)
    name = str(data.get("name") or path.parent.name)
    versions = data.get("versions")
    if isinstance(versions, dict):
        version_names = [str(v) for v in versions]
    elif isinstance(versions, list):
        version_names = [str(v) for v in versions]
    else:
        raise RecipeError(
            f"recipe '{name}': versions missing; give a mapping 'versions: {{\"1.0\": {{...}}}}'",
            path=path,
            field="versions",
        )
    cores = _str_tuple(data.get("cores"), "cores", path)
    targets = _str_tuple(data.get("targets"), "targets", path)
    models = _str_tuple(data.get("models"), "models", path)
    embedded = data.get("model", "blob") == "embedded"
    return [
        FirmwareSpec(
            name=name,
            version=v,
            recipe_path=path,
            cores=cores,
            targets=targets,
            models=models,
            model_in_image=embedded,
        )
        for v in version_names
    ]


def discover_firmware(firmware_dir: Path) -> list[FirmwareSpec]:
    """Every version of every ``firmware/<name>/recipe.yaml``, sorted by name and version."""
    if not firmware_dir.is_dir():
        return []
    found: list[FirmwareSpec] = []
    for recipe in sorted(firmware_dir.glob(f"*/{RECIPE_FILE}")):
        found.extend(read_recipe(recipe))
    return found
