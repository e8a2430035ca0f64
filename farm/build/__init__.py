"""Firmware builds: recipes, host and container builders, content-addressed cache, ELF sizes.

Public API (used by the board layer and the matrix)::

    from farm.build import build_firmware, memory_fit, FirmwareArtifact

    art = build_firmware("firmware/harness", "1.0", "mps2_an386", cache_dir="build-cache")
    art.elf, art.bin, art.image_hash, art.build_id, art.model_region_addr, art.cache
    fit = memory_fit(art, blob_bytes, arena_bytes, target_flash_bytes, target_ram_bytes)
    fit.fits, fit.reason, fit.flash_used_bytes, fit.ram_used_bytes

Each cache entry holds firmware.elf/.bin/.map, build.log, image.json (the artifact's facts) and
manifest.json. ``farm-info%`` on a board reports ``build=<build_id>``: equal to the artifact's
``build_id`` means the board runs exactly that image (the build id is derived from the cache key,
which covers sources, recipe, target, variables and toolchain).
"""

from farm.build.api import build_firmware
from farm.build.artifact import FirmwareArtifact, MemoryFit, memory_fit

__all__ = ["FirmwareArtifact", "MemoryFit", "build_firmware", "memory_fit"]
