"""Memory report of a small real harness ELF, and the fit check the matrix uses."""

from __future__ import annotations

import dataclasses

from farm.build.artifact import FirmwareArtifact, memory_fit
from farm.build.elf_report import memory_report
from testing.build.conftest import DATA

ELF = DATA / "mps2_an386" / "firmware.elf"
BIN = DATA / "mps2_an386" / "firmware.bin"


def test_sections_totals_and_model_region() -> None:
    report = memory_report(ELF)
    kinds = {s["name"]: s["kind"] for s in report["sections"]}
    assert kinds[".text"] == "flash" and kinds[".data"] == "flash+ram"
    assert kinds[".bss"] == "ram" and kinds[".stack"] == "ram"
    assert kinds[".model_region"] == "model"
    # flash = everything objcopy puts in the .bin
    assert report["flash_bytes"] == BIN.stat().st_size
    sizes = {s["name"]: s["size"] for s in report["sections"]}
    assert report["ram_bytes"] == sizes[".data"] + sizes[".bss"] + sizes[".stack"]
    assert report["model_region_addr"] == 0x40000
    assert report["model_region_bytes"] == 4 * 1024 * 1024 - 0x40000
    assert report["arena_bytes"] == 1024 * 1024
    assert sizes[".stack"] == 16384
    assert report["load_addr"] == 0 and report["entry"] & 1 == 1  # Thumb entry


def _artifact() -> FirmwareArtifact:
    r = memory_report(ELF)
    return FirmwareArtifact(
        firmware="h", version="1", bsp="mps2_an386", elf=ELF, bin=BIN, map=None,
        image_hash="0" * 64, build_id="0" * 16, key="0" * 64,
        model_region_addr=r["model_region_addr"], model_region_bytes=r["model_region_bytes"],
        load_addr=r["load_addr"], entry=r["entry"], flash_bytes=r["flash_bytes"],
        ram_bytes=r["ram_bytes"], arena_bytes=r["arena_bytes"], memory=r,
    )  # fmt: skip


def test_memory_fit_numbers_in_reason() -> None:
    art = _artifact()
    fit = memory_fit(art, 7264, 4000, 2 * 1024 * 1024, 640 * 1024)
    static = art.ram_bytes - art.arena_bytes
    assert fit.fits and fit.firmware_fits and fit.reason.startswith("fits: flash ")
    assert (fit.flash_used_bytes, fit.ram_used_bytes) == (art.flash_bytes + 7264, static + 4000)
    fit = memory_fit(art, 200_000, 30_000, 128 * 1024, 32 * 1024)
    assert not fit.fits
    reason = fit.reason
    assert f"flash {art.flash_bytes + 200_000} B (image {art.flash_bytes} + blob 200000)" in reason
    assert f"> target {128 * 1024} B" in reason
    assert f"RAM {static + 30_000} B (static {static} + arena 30000) > target 32768 B" in reason
    small = dataclasses.replace(art, model_region_bytes=1000, arena_bytes=100)
    fit = memory_fit(small, 2000, 200, None, None)
    assert not fit.fits and "model blob 2000 B > model region 1000 B" in fit.reason
    assert "arena 200 B > firmware arena buffer 100 B" in fit.reason


def test_firmware_alone_over_the_target_is_told_apart() -> None:
    art = _artifact()
    static = art.ram_bytes - art.arena_bytes
    fit = memory_fit(art, 100, 100, art.flash_bytes - 1, None)
    assert not fit.fits and not fit.firmware_fits
    fit = memory_fit(art, 100, 100, None, static - 1)
    assert not fit.fits and not fit.firmware_fits
    fit = memory_fit(art, 100, 100, art.flash_bytes + 99, static + 99)
    assert not fit.fits and fit.firmware_fits  # only the model tips it over
