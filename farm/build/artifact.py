"""The result of a firmware build (``image.json`` in its cache entry) and the fit check."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

IMAGE_JSON = "image.json"


@dataclass(frozen=True)
class FirmwareArtifact:
    """A built firmware image for one (firmware, version, bsp), as stored in the build cache.

    ``image_hash`` is the sha256 of the .bin (what a board is flashed with); ``build_id`` is the
    cache-key prefix compiled into the image and reported by ``farm-info%`` as ``build=``, so a
    board's running image can be compared with an artifact without reading its flash.
    """

    firmware: str
    version: str
    bsp: str
    elf: Path
    bin: Path
    map: Path | None
    image_hash: str
    build_id: str
    key: str
    model_region_addr: int
    model_region_bytes: int
    load_addr: int
    entry: int
    flash_bytes: int
    ram_bytes: int
    arena_bytes: int
    memory: dict[str, Any] = field(repr=False)
    builder: str = "host"
    toolchain: str = ""
    model_name: str | None = None
    """The model compiled into the image (recipe ``model: embedded``), else None."""
    model_sha256: str | None = None
    build_seconds: float = 0.0
    console_baud: int | None = None
    """Console UART rate the recipe version declares (None: the inventory's console.baud)."""
    cache: str = "miss"
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """JSON-ready facts (paths as strings); ``cache``/``seconds`` describe this call only."""
        data = dataclasses.asdict(self)
        for key in ("elf", "bin", "map"):
            data[key] = None if data[key] is None else str(data[key])
        return data

    def write(self, directory: Path) -> Path:
        """Write ``image.json`` into ``directory`` (paths relative to it) and return its path."""
        data = self.to_json()
        for key in ("elf", "bin", "map"):
            if data[key] is not None:
                data[key] = Path(data[key]).name
        data.pop("cache")
        data.pop("seconds")
        path = directory / IMAGE_JSON
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return path

    @classmethod
    def read(cls, directory: Path, *, cache: str, seconds: float) -> FirmwareArtifact:
        """Load ``image.json`` of a cache entry, with absolute paths."""
        data = json.loads((directory / IMAGE_JSON).read_text(encoding="utf-8"))
        for key in ("elf", "bin", "map"):
            if data.get(key) is not None:
                data[key] = directory / data[key]
        return cls(**data, cache=cache, seconds=seconds)


@dataclass(frozen=True)
class MemoryFit:
    """How much flash and RAM a model needs with a firmware, and whether that fits a target.

    ``firmware_fits`` is False when the firmware alone (no model blob, no arena) already
    exceeds the target: a defect of the firmware build, not a finding about the model.
    """

    fits: bool
    firmware_fits: bool
    flash_used_bytes: int
    ram_used_bytes: int
    reason: str


def memory_fit(
    artifact: FirmwareArtifact,
    blob_bytes: int,
    arena_bytes: int,
    target_flash_bytes: int | None,
    target_ram_bytes: int | None,
) -> MemoryFit:
    """Whether a model (blob + arena it needs) fits this firmware on a target.

    Flash: firmware image + blob against the target's flash (and the blob against the model
    region). RAM: the firmware's static RAM with its own arena buffer replaced by the arena the
    model needs, against the target's RAM (and the model's arena against the firmware's buffer).
    The reason always carries the numbers.
    """
    problems = []
    if blob_bytes > artifact.model_region_bytes:
        problems.append(f"model blob {blob_bytes} B > model region {artifact.model_region_bytes} B")
    if artifact.arena_bytes and arena_bytes > artifact.arena_bytes:
        problems.append(f"arena {arena_bytes} B > firmware arena buffer {artifact.arena_bytes} B")
    static_ram = artifact.ram_bytes - artifact.arena_bytes
    flash_used = artifact.flash_bytes + blob_bytes
    ram_used = static_ram + arena_bytes
    if target_flash_bytes is not None and flash_used > target_flash_bytes:
        problems.append(
            f"flash {flash_used} B (image {artifact.flash_bytes} + blob {blob_bytes}) "
            f"> target {target_flash_bytes} B"
        )
    if target_ram_bytes is not None and ram_used > target_ram_bytes:
        problems.append(
            f"RAM {ram_used} B (static {static_ram} + arena {arena_bytes}) "
            f"> target {target_ram_bytes} B"
        )
    firmware_fits = (target_flash_bytes is None or artifact.flash_bytes <= target_flash_bytes) and (
        target_ram_bytes is None or static_ram <= target_ram_bytes
    )
    if problems:
        reason = "does not fit: " + "; ".join(problems)
    else:
        reason = (
            f"fits: flash {flash_used}/{target_flash_bytes} B, RAM {ram_used}/{target_ram_bytes} B"
        )
    return MemoryFit(not problems, firmware_fits, flash_used, ram_used, reason)
