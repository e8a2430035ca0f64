"""Memory: does the model fit the target, with the firmware it runs? Numbers in every row."""

from __future__ import annotations

import pytest


@pytest.mark.farm_kind("mcu")
def test_memory(model, board_pool, firmware, compiled, farm, record, build_image):
    """Image + model blob in flash, static RAM + arena in RAM, against the target's limits.

    The image measured is the one the *real* target runs (its BSP builds here too), so a twin
    pool reports the real board's numbers. A model that does not fit skips with the numbers (a
    finding about the model); a firmware that alone exceeds the target fails (a firmware defect).
    """
    from farm.build.artifact import memory_fit

    artifact = build_image(
        firmware, board_pool, firmware_dir=farm.settings.values.firmware_dir, model=model
    )
    target = board_pool.target
    # A firmware with the model compiled in already counts it in its image.
    blob_bytes = 0 if artifact.model_sha256 else compiled.blob_bytes
    fit = memory_fit(
        artifact, blob_bytes, compiled.arena_bytes, target.flash_bytes, target.ram_bytes
    )
    record.set(
        image_hash=artifact.image_hash,
        flash_bytes=fit.flash_used_bytes,
        ram_bytes=fit.ram_used_bytes,
    )
    assert fit.firmware_fits, f"firmware {artifact.bsp} alone exceeds {target.name}: {fit.reason}"
    if not fit.fits:
        pytest.skip(f"{model.key} on {target.name} ({artifact.bsp}): {fit.reason}")
