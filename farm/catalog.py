"""Target catalog: core, memory, clock, current and QEMU twin of every board type.

The data lives in ``farm/data/catalog.yaml`` (with its sources); this module gives it types.
"""

from __future__ import annotations

import enum
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from farm.did_you_mean import did_you_mean
from farm.errors import ConfigError

CATALOG_RESOURCE = "data/catalog.yaml"


class TargetKind(enum.StrEnum):
    """What the farm talks to: a bare-metal MCU or a Linux board."""

    MCU = "mcu"
    LINUX = "linux"


class FpuKind(enum.StrEnum):
    """Floating-point unit: none, single precision, double precision."""

    NONE = "none"
    SP = "sp"
    DP = "dp"


class CoreSpec(BaseModel):
    """Facts shared by every target with one CPU core type."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    virtual_cycles_per_instruction: float = Field(gt=0)
    """QEMU counts instructions; cycles = instructions x this factor (an estimate per core)."""
    qemu_machine: str | None
    """Default QEMU machine of the virtual twin (None: no twin)."""
    qemu_alternatives: tuple[str, ...] = ()


class Verification(BaseModel):
    """Which figures were confirmed against a source while the catalog was written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    memory: bool
    clock: bool
    run_current: bool


class TargetSpec(BaseModel):
    """One board type of the lab (``NUCLEO_L4R5ZI``...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: TargetKind
    mcu: str
    core: str
    fpu: FpuKind
    dsp: bool
    max_clock_hz: int = Field(gt=0)
    flash_bytes: int | None = Field(default=None, gt=0)
    ram_bytes: int = Field(gt=0)
    pyocd_target: str | None
    pyocd_builtin: bool
    run_current_ua_per_mhz: float | None = Field(default=None, gt=0)
    supply_mv: int | None = Field(default=None, gt=0)
    idle_current_ua: float | None = Field(default=None, ge=0)
    flash_wait_states: int | None = Field(default=None, ge=0)
    """Flash wait states at ``max_clock_hz`` (reference manual's wait-state table)."""
    flash_fetch_hit_rate: float | None = Field(default=None, ge=0, le=1)
    """Assumed fraction of 64-bit instruction fetches the flash accelerator (ART, I-cache,
    prefetch) serves without wait states: an assumption of the twin's cycle model."""
    flash_data_cache_bytes: int | None = Field(default=None, ge=8, le=8192, multiple_of=8)
    """Bytes of the cache that serves repeated data reads of flash (ART D-cache, a U5's
    ICACHE on the code bus): the twin's cycle model stalls each read it misses. None: data
    reads are charged as the blob streamed once (a lower bound)."""
    datasheet: str
    verified: Verification
    note: str = ""
    sources: tuple[str, ...] = ()
    """Where the verified figures were checked (URL and what it confirms)."""
    core_spec: CoreSpec

    @property
    def slug(self) -> str:
        """Lower-case name used in pool ids (``nucleo_l4r5zi``)."""
        return self.name.lower()

    @property
    def qemu_machine(self) -> str | None:
        """QEMU machine of this target's virtual twin."""
        return self.core_spec.qemu_machine

    @property
    def virtual_cycles_per_instruction(self) -> float:
        """Factor converting twin instruction counts to cycles (documented estimate)."""
        return self.core_spec.virtual_cycles_per_instruction

    def run_current_ua(self, clock_hz: int | None = None) -> float | None:
        """Typical Run-mode current at ``clock_hz`` (default: max clock), from uA/MHz."""
        if self.run_current_ua_per_mhz is None:
            return None
        return self.run_current_ua_per_mhz * (clock_hz or self.max_clock_hz) / 1e6


class Catalog:
    """All known targets, looked up by name."""

    def __init__(self, targets: dict[str, TargetSpec]) -> None:
        self._targets = dict(targets)

    @classmethod
    def load(cls) -> Catalog:
        """Load the packaged catalog (cached: the file never changes while running)."""
        return _load_packaged()

    @classmethod
    def from_mapping(cls, data: dict, source: str = CATALOG_RESOURCE) -> Catalog:
        """Build a catalog from the YAML structure (``cores`` + ``targets``)."""
        try:
            cores = {name: CoreSpec.model_validate(c) for name, c in data["cores"].items()}
            targets = {}
            for name, raw in data["targets"].items():
                core = raw.get("core")
                if core not in cores:
                    raise ConfigError(
                        f"target '{name}': unknown core '{core}'; known cores: "
                        + ", ".join(sorted(cores)),
                        path=source,
                    )
                targets[name] = TargetSpec.model_validate(
                    {**raw, "name": name, "core_spec": cores[core]}
                )
        except (KeyError, TypeError, ValidationError) as exc:
            raise ConfigError(f"catalog '{source}': malformed; {exc}", path=source) from exc
        return cls(targets)

    @property
    def names(self) -> list[str]:
        """Target names, sorted."""
        return sorted(self._targets)

    def __contains__(self, name: object) -> bool:
        return name in self._targets

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._targets.values())

    def get(self, name: str) -> TargetSpec:
        """Return the target called ``name``; unknown names raise with a suggestion."""
        try:
            return self._targets[name]
        except KeyError:
            raise ConfigError(
                f"target '{name}': not in the catalog; known targets: {', '.join(self.names)}"
                + did_you_mean(name, self.names)
            ) from None

    def qemu_twin(self, name: str) -> str | None:
        """QEMU machine standing in for target ``name`` (None for Linux boards)."""
        return self.get(name).qemu_machine


@cache
def _load_packaged() -> Catalog:
    text = resources.files("farm").joinpath(CATALOG_RESOURCE).read_text(encoding="utf-8")
    return Catalog.from_mapping(yaml.safe_load(text))
