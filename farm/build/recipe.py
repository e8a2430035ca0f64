"""Firmware recipes: ``firmware/<name>/recipe.yaml``.

A recipe says how to build every version of one firmware for one target::

    name: joulefarm-harness
    versions:
      "1.0": {source: firmware, vars: {KERNELS: plain, OPT: -O2}}
      "1.1": {source: {ref: v1.1, path: firmware}, vars: {KERNELS: dsp}}
    cores: [cortex-m4, cortex-m7, cortex-m33]
    targets: [nucleo_l4r5zi, mps2_an386]
    target_names: bsp            # {target} is the BSP folder name (or `catalog`: NUCLEO_L4R5ZI)
    container: {image: "joulefarm/arm-gcc:12.2", containerfile: Containerfile}
    build:
      command: "make -C {source}/harness BSP={target} OUT={out} BUILD_ID={build_id} {vars}"
      artifacts: {elf: firmware.elf, bin: firmware.bin, map: firmware.map}

``source`` is a directory of this repository (relative to its root) or ``{ref, path}`` for that
directory at a git ref. Command placeholders: ``{source}`` (the source tree as the builder sees
it), ``{out}`` (output directory), ``{target}``, ``{version}``, ``{build_id}`` (cache key prefix,
embedded in the image and reported by ``farm-info%``), ``{vars}`` (``KEY=value`` words) and
``{jobs}`` and ``{console_baud}`` (the version's ``console_baud``, default 115200). Artifacts are
glob patterns relative to ``{out}``.

A version may set ``console_baud``: the rate its image's console UART runs at (9600 for an
EEMBC energy setup, whose UART goes through an isolating IO manager). The build passes it to
the firmware (``{console_baud}``), the artifact records it, and the farm opens the board's
console at that rate (else at the inventory's ``console.baud``).

A QEMU twin's image is built for the twin machine's BSP. Where the recipe builds for the target
the twin stands for too, the build gets ``TWIN_OF=<that target's BSP>`` among its ``{vars}``
(:func:`twin_of_vars`), so the firmware can build the twin like the target where it matters (the
harness takes the target's stack, which picks the runtime's kernels).

A firmware that compiles the model in (a lab's TFLite Micro app with an ``xxd -i`` model.h, a
vendor code generator) says ``model: embedded`` and uses ``{model_tflite}``, ``{model_c}`` or
``{model_blob_c}`` (see ``farm.build.embedded_model``); it is built once per model. ``models:``
(fnmatch globs) restricts the models a recipe runs.
"""

from __future__ import annotations

import enum
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from farm.build.embedded_model import MODEL_PLACEHOLDERS
from farm.did_you_mean import did_you_mean
from farm.errors import RecipeError
from farm.yaml_locations import LocatedYaml, load_located_yaml

RECIPE_FILE = "recipe.yaml"
PLACEHOLDERS = (
    "source", "out", "target", "version", "build_id", "vars", "jobs", "console_baud",
    *MODEL_PLACEHOLDERS,
)  # fmt: skip
DEFAULT_CONSOLE_BAUD = 115_200


class TargetNames(enum.StrEnum):
    """How ``{target}`` is spelled for this recipe's build system."""

    BSP = "bsp"  # lower-case board folder: nucleo_l4r5zi, mps2_an386
    CATALOG = "catalog"  # Mbed/catalog name: NUCLEO_L4R5ZI


class ModelMode(enum.StrEnum):
    """Where the model lives: a blob the farm writes at run time, or compiled into the image."""

    BLOB = "blob"
    EMBEDDED = "embedded"


class BuilderChoice(enum.StrEnum):
    """Which builder runs the recipe: ``auto`` picks (see ``farm.build.builders``)."""

    AUTO = "auto"
    HOST = "host"
    CONTAINER = "container"


class SourceRef(BaseModel):
    """A directory of this repository, optionally at a git ref."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    ref: str | None = None


class VersionSpec(BaseModel):
    """One firmware version: where its sources are and the build variables that make it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: SourceRef
    vars: dict[str, str] = Field(default_factory=dict)
    description: str = ""
    console_baud: int | None = Field(None, gt=0)
    """Console UART rate of this version's image (None: 115200 for the build, the inventory's
    console.baud for the board). MLPerf Tiny's energy mode uses 9600."""

    @field_validator("source", mode="before")
    @classmethod
    def _source_string(cls, value: Any) -> Any:
        return {"path": value} if isinstance(value, str) else value

    @field_validator("vars", mode="before")
    @classmethod
    def _vars_to_str(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
        return value


class ContainerSpec(BaseModel):
    """The build image: its name and the Containerfile (relative to the recipe) making it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    image: str
    containerfile: str = "Containerfile"


class BuildSpec(BaseModel):
    """The build command template and where its outputs land."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    command: str
    artifacts: dict[str, str] = Field(
        default_factory=lambda: {
            "elf": "firmware.elf",
            "bin": "firmware.bin",
            "map": "firmware.map",
        }
    )
    builder: BuilderChoice = BuilderChoice.AUTO

    @field_validator("command")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        import string

        for _, field, _, _ in string.Formatter().parse(value):
            if field is not None and field not in PLACEHOLDERS:
                raise ValueError(
                    f"unknown placeholder '{{{field}}}'; allowed: "
                    + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
                    + did_you_mean(field, PLACEHOLDERS)
                )
        return value

    @field_validator("artifacts")
    @classmethod
    def _needs_elf_and_bin(cls, value: dict[str, str]) -> dict[str, str]:
        missing = {"elf", "bin"} - set(value)
        if missing:
            raise ValueError(f"artifacts must name {', '.join(sorted(missing))}")
        return value


class Recipe(BaseModel):
    """A whole recipe file (``path`` and ``repo_root`` are filled in by :func:`load_recipe`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    versions: dict[str, VersionSpec] = Field(min_length=1)
    cores: tuple[str, ...] | None = None
    targets: tuple[str, ...] | None = None
    models: tuple[str, ...] | None = None
    """fnmatch globs of the model names this firmware runs (None: every model)."""
    model: ModelMode = ModelMode.BLOB
    target_names: TargetNames = TargetNames.BSP
    container: ContainerSpec | None = None
    build: BuildSpec
    path: Path = Path(RECIPE_FILE)
    repo_root: Path = Path(".")

    @model_validator(mode="after")
    def _model_placeholders_match_mode(self) -> Recipe:
        import string

        used = {f for _, f, _, _ in string.Formatter().parse(self.build.command) if f}
        model_fields = used & set(MODEL_PLACEHOLDERS)
        if self.model is ModelMode.EMBEDDED and not model_fields:
            raise ValueError(
                "model: embedded, but build.command uses none of "
                + ", ".join("{" + p + "}" for p in MODEL_PLACEHOLDERS)
                + "; pass the model to the build or drop 'model: embedded'"
            )
        if self.model is ModelMode.BLOB and model_fields:
            raise ValueError(
                f"build.command uses {{{sorted(model_fields)[0]}}} but the recipe does not "
                "embed the model; add 'model: embedded'"
            )
        return self

    @property
    def model_in_image(self) -> bool:
        """True when the image compiles the model in (built per model, no blob written)."""
        return self.model is ModelMode.EMBEDDED

    @field_validator("versions", mode="before")
    @classmethod
    def _version_keys_are_strings(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): v for k, v in value.items()}
        return value

    def version(self, version: str) -> VersionSpec:
        """The named version; unknown versions raise a RecipeError listing the known ones."""
        try:
            return self.versions[version]
        except KeyError:
            raise RecipeError(
                f"recipe '{self.name}': no version '{version}'; versions: "
                + ", ".join(self.versions)
                + did_you_mean(version, list(self.versions)),
                path=self.path,
                field="versions",
            ) from None

    def target_name(self, target: str) -> str:
        """``target`` spelled the way this recipe's build system wants it."""
        return target.lower() if self.target_names is TargetNames.BSP else target.upper()

    def render_command(
        self,
        version: str,
        target: str,
        *,
        source: str,
        out: str,
        build_id: str,
        jobs: int = 1,
        model_files: dict[str, str] | None = None,
        extra_vars: Mapping[str, str] | None = None,
    ) -> str:
        """The shell command building ``version`` for ``target``, placeholders filled in
        (``model_files``: placeholder -> path, for a recipe that embeds the model).

        ``extra_vars`` add to (and override) the version's ``vars``: a build mode the farm
        asks for, such as ``MODE=energy`` for the energy test's image.
        """
        spec = self.version(version)
        merged = {**spec.vars, **(extra_vars or {})}
        words = " ".join(shlex.quote(f"{k}={v}") for k, v in sorted(merged.items()))
        if self.model_in_image and not model_files:
            raise RecipeError(
                f"recipe '{self.name}': embeds the model; build it for a model "
                "(farm build --model NAME, or through a matrix test)",
                path=self.path,
                field="model",
            )
        models = {k: shlex.quote(v) for k, v in (model_files or {}).items()}
        return self.build.command.format(
            **models,
            source=shlex.quote(source),
            out=shlex.quote(out),
            target=shlex.quote(self.target_name(target)),
            version=shlex.quote(version),
            build_id=shlex.quote(build_id),
            vars=words,
            jobs=jobs,
            console_baud=spec.console_baud or DEFAULT_CONSOLE_BAUD,
        )

    @property
    def containerfile(self) -> Path | None:
        """Absolute path of the Containerfile, when the recipe has a container."""
        return None if self.container is None else self.path.parent / self.container.containerfile


def twin_of_vars(recipe_targets: tuple[str, ...] | None, target_bsp: str) -> dict[str, str]:
    """Build variables of a twin image that stands for the target whose BSP is ``target_bsp``:
    ``TWIN_OF`` where the recipe lists that BSP among its targets, nothing otherwise."""
    return {"TWIN_OF": target_bsp} if target_bsp in (recipe_targets or ()) else {}


def find_repo_root(start: Path) -> Path:
    """Nearest ancestor holding ``pyproject.toml`` or ``.git`` (sources are relative to it)."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / "pyproject.toml").is_file() or (candidate / ".git").exists():
            return candidate
    return start


def _error_from_validation(located: LocatedYaml, exc: ValidationError) -> RecipeError:
    first = exc.errors()[0]
    loc = tuple(first["loc"])
    pos = (
        located.key_position(loc)
        if first["type"] == "extra_forbidden"
        else located.value_position(loc)
    )
    where = ".".join(str(p) for p in loc) or "(top level)"
    what = first["msg"]
    if first["type"] == "extra_forbidden":
        what = "unknown key" + did_you_mean(
            str(loc[-1]),
            [*Recipe.model_fields, *VersionSpec.model_fields, *BuildSpec.model_fields],
        )
    name = (
        located.data.get("name", located.path.parent.name)
        if isinstance(located.data, dict)
        else located.path.parent.name
    )
    return RecipeError(
        f"recipe '{name}': {where}: {what}",
        path=located.path,
        line=pos.line,
        column=pos.column,
        field=where,
    )


def load_recipe(path: str | Path) -> Recipe:
    """Parse and validate a recipe file; errors name the file, line, column and field."""
    path = Path(path)
    if path.is_dir():
        path = path / RECIPE_FILE
    located = load_located_yaml(path, RecipeError)
    if not isinstance(located.data, dict):
        raise RecipeError(f"recipe '{path.parent.name}': not a mapping of keys", path=path)
    data = {**located.data, "path": path.resolve(), "repo_root": find_repo_root(path.parent)}
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as exc:
        raise _error_from_validation(located, exc) from exc
    for version, spec in recipe.versions.items():
        if spec.source.ref is None and not (recipe.repo_root / spec.source.path).is_dir():
            pos = located.value_position(("versions", version, "source"))
            raise RecipeError(
                f"recipe '{recipe.name}': version '{version}' source '{spec.source.path}' is not"
                f" a directory of {recipe.repo_root}; give a path relative to the repository root",
                path=path,
                line=pos.line,
                column=pos.column,
                field=f"versions.{version}.source",
            )
    return recipe


def resolve_recipe(name_or_path: str | Path, firmware_dir: Path | None = None) -> Recipe:
    """A recipe by path (file or folder) or by firmware name (``firmware/<name>/recipe.yaml``)."""
    candidate = Path(name_or_path)
    if candidate.exists():
        return load_recipe(candidate)
    firmware_dir = firmware_dir or Path.cwd() / "firmware"
    known: list[str] = []
    for recipe_file in sorted(firmware_dir.glob(f"*/{RECIPE_FILE}")):
        recipe = load_recipe(recipe_file)
        if str(name_or_path) in (recipe.name, recipe_file.parent.name):
            return recipe
        known += [recipe.name, recipe_file.parent.name]
    raise RecipeError(
        f"firmware '{name_or_path}': no such recipe file or firmware name; known: "
        + (", ".join(sorted(set(known))) or "(none)")
        + did_you_mean(str(name_or_path), known),
        path=firmware_dir,
    )
