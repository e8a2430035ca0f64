"""The 4-channel interleaved FULLY_CONNECTED weight layout (BLOB.md) and when it is written."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from farm.compiler import fc_layout
from farm.compiler.blob_format import OpCode
from farm.compiler.lowering import lower_graph
from farm.compiler.tflite_reader import read_tflite


def test_interleave4_orders_groups_then_tails_then_plain_rows() -> None:
    # 5 channels x 6 depth: value = 10 * channel + depth index.
    w = (10 * np.arange(5)[:, None] + np.arange(6)[None, :]).astype(np.int8)

    got = fc_layout.interleave4(w).tolist()

    group0 = [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33]
    tails = [4, 5, 14, 15, 24, 25, 34, 35]
    plain_row4 = [40, 41, 42, 43, 44, 45]
    assert got == group0 + tails + plain_row4


def test_interleave4_keeps_every_weight_once() -> None:
    rng = np.random.default_rng(1)
    for oc, depth in [(4, 4), (13, 23), (3, 12), (10, 3), (128, 640)]:
        w = rng.integers(-128, 128, size=(oc, depth)).astype(np.int8)
        flat = fc_layout.interleave4(w)
        assert flat.shape == (oc * depth,)
        assert sorted(flat.tolist()) == sorted(w.reshape(-1).tolist())
        # Block b still starts at b x 4 x depth, as in the plain layout.
        for b in range(oc // 4):
            block = flat[b * 4 * depth : (b + 1) * 4 * depth]
            assert sorted(block.tolist()) == sorted(w[4 * b : 4 * b + 4].reshape(-1).tolist())


def test_one_row_fc_is_written_interleaved_batches_plain(model_dir: Path) -> None:
    """float_io's two FC layers have one row; elementwise's last FC has 7 rows."""
    for name, layout in (("float_io", fc_layout.INTERLEAVED4), ("elementwise", fc_layout.PLAIN)):
        lowered = lower_graph(read_tflite(model_dir / f"{name}.tflite"))
        fcs = [r for r in lowered.records if r.opcode == OpCode.FULLY_CONNECTED]
        fc = fcs[-1]
        assert fc.params[7] == layout, name
        oc, depth = fc.params[2], fc.params[1]
        assert len(fc.consts[0]) == oc * depth
