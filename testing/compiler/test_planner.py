"""The arena planner: no live tensors overlap, and the arena is no bigger than TFLite Micro's."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm.compiler.model_check import check_model
from farm.compiler.planner import align_up, plan_arena
from testing.compiler import sample_models


def test_overlapping_lifetimes_never_share_bytes() -> None:
    sizes = {0: 100, 1: 300, 2: 50, 3: 300, 4: 10}
    spans = {0: (0, 1), 1: (1, 2), 2: (2, 3), 3: (3, 4), 4: (0, 4)}
    plan = plan_arena(sizes, spans)
    for a in sizes:
        for b in sizes:
            if a < b and not (spans[a][1] < spans[b][0] or spans[b][1] < spans[a][0]):
                ra = range(plan.offsets[a], plan.offsets[a] + align_up(sizes[a]))
                rb = range(plan.offsets[b], plan.offsets[b] + align_up(sizes[b]))
                assert not set(ra) & set(rb), (a, b)
    # 1 and 3 are never live together, so they share bytes: the arena is well under the sum.
    assert plan.arena_bytes < sum(align_up(s) for s in sizes.values())
    assert plan.offsets[1] == plan.offsets[3]


@pytest.mark.parametrize("name", sorted(sample_models.ALL))
def test_arena_not_larger_than_tflm(model_dir: Path, name: str) -> None:
    """Against TFLite Micro's arena use (GetArenaUsedBytes: head + tail), which is what a board
    must reserve; our activations plus conv scratch must stay within TFLM's activation part
    plus that scratch (TFLM's reference kernels use no im2col scratch)."""
    r = check_model(model_dir / f"{name}.tflite", 1, litert=False)
    assert 0 < r.tflm_activation_bytes <= r.tflm_arena_bytes
    assert r.arena_bytes <= r.tflm_arena_bytes
    assert r.arena_bytes <= r.tflm_activation_bytes + r.scratch_bytes
