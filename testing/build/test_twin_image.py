"""A twin pool's image is built as the target it stands for: the harness takes the target's
stack, so the twin runs the kernels the target's own image runs (not the twin machine's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm.catalog import Catalog
from farm.devices.elf_symbols import read_elf_symbol
from farm.discovery import read_recipe
from farm.hil.artifacts import image_for
from farm.inventory import BoardConfig
from farm.matrix import BoardPool
from testing.build.conftest import HARNESS, REPO


def _stack_bytes(elf: Path) -> int:
    symbol = read_elf_symbol(elf, "FARM_STACK_BYTES")
    assert symbol is not None, f"{elf}: no FARM_STACK_BYTES"
    return symbol.address


def _has_tiles(elf: Path) -> bool:
    return read_elf_symbol(elf, "conv_tiles") is not None


def _twin_pool(target: str) -> BoardPool:
    config = BoardConfig(id=f"{target.lower()}-twin", target=target, backend="qemu")
    return BoardPool(config.id, Catalog.load().get(target), "qemu", (config,))


@pytest.mark.slow
def test_twin_images_take_their_targets_stack(tmp_path: Path) -> None:
    (dsp,) = [f for f in read_recipe(HARNESS / "recipe.yaml") if f.version == "1.1"]
    cache = tmp_path / "cache"
    l4r5 = image_for(dsp, _twin_pool("NUCLEO_L4R5ZI"), cache, builder="host")
    l476 = image_for(dsp, _twin_pool("NUCLEO_L476RG"), cache, builder="host")
    g431 = image_for(dsp, _twin_pool("NUCLEO_G431RB"), cache, builder="host")
    # All three run on the Cortex-M4 twin machine, each built as its target.
    assert {a.bsp for a in (l4r5, l476, g431)} == {"mps2_an386"}
    stacks = {a.image_hash: _stack_bytes(a.elf) for a in (l4r5, l476, g431)}
    assert sorted(stacks.values()) == [3072, 6144, 16384]
    # The L4R5's 16 KB stack takes the packed tiles; the L476's 6 KB and the G431's 3 KB do not,
    # as their own boards' images do not.
    assert _has_tiles(l4r5.elf)
    assert not _has_tiles(l476.elf) and not _has_tiles(g431.elf)


@pytest.mark.slow
@pytest.mark.emulator
def test_twin_serve_runs_the_image_the_farm_runs(tmp_path: Path) -> None:
    """``farm twin serve`` for the L476 boots the image the farm's L476 twin pool runs."""
    from farm.virtual.twin_serve import start_twin

    (dsp,) = [f for f in read_recipe(HARNESS / "recipe.yaml") if f.version == "1.1"]
    cache = tmp_path / "cache"
    # The builder twin serve picks (auto), so the two keys compare on any host.
    pool_image = image_for(dsp, _twin_pool("NUCLEO_L476RG"), cache)
    served = start_twin(
        "NUCLEO_L476RG",
        "joulefarm-harness@1.1",
        REPO / "models" / "kws_dscnn_16.tflite",
        model_id=None,
        firmware_dir=REPO / "firmware",
        cache_dir=cache,
        workdir=tmp_path / "serve",
    )
    try:
        assert served.image.image_hash == pool_image.image_hash
        assert _stack_bytes(served.image.elf) == 6144
    finally:
        served.close()
