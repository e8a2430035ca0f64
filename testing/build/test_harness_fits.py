"""The reference firmware's largest version links for the target with the smallest firmware
region. Growing kernels once pushed harness 1.1 past the NUCLEO-G431RB's 64 KB region, and
only ``make farm``'s memory rows on that board showed it."""

from __future__ import annotations

import re
from pathlib import Path

from farm.build import build_firmware
from farm.build.elf_report import memory_report
from farm.build.recipe import load_recipe
from testing.build.conftest import HARNESS, REPO

BSP_DIR = REPO / "firmware" / "bsp"
FLASH_LINE = re.compile(r"^\s*FLASH \(rx\)\s*:\s*ORIGIN = \w+, LENGTH = (\d+)K", re.M)


def _firmware_region_bytes(bsp: str) -> int:
    text = (BSP_DIR / bsp / "memory.ld").read_text(encoding="utf-8")
    found = FLASH_LINE.search(text)
    assert found is not None, f"{bsp}/memory.ld: no 'FLASH (rx) : ... LENGTH = <n>K' line"
    return int(found.group(1)) * 1024


def test_dsp_harness_links_for_the_smallest_firmware_region(build_cache: Path) -> None:
    recipe = load_recipe(HARNESS / "recipe.yaml")
    regions = {bsp: _firmware_region_bytes(bsp) for bsp in recipe.targets}
    bsp = min(regions, key=regions.__getitem__)
    art = build_firmware(HARNESS, "1.1", bsp, cache_dir=build_cache, builder="host")
    flash = memory_report(art.elf)["flash_bytes"]
    assert 0 < flash <= regions[bsp], f"{bsp}: {flash} B of code in a {regions[bsp]} B region"
