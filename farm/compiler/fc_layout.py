"""The 4-channel interleaved weight layout of FULLY_CONNECTED (blob format 3, BLOB.md).

With one input row every weight is used once, so the kernel streams the weights and its cost
is the loads and sign extensions per weight. Stored in blocks of four output channels, each
depth group of four bytes of the four channels 16 bytes apart from the next, the kernel reads
them through one post-incremented pointer and has the registers to group its loads
(``firmware/runtime/src/k_fc_row.c``).
"""

from __future__ import annotations

import numpy as np

PLAIN = 0
INTERLEAVED4 = 1


def interleave4(weights: np.ndarray) -> np.ndarray:
    """``weights`` [out_c, depth] int8 in the interleaved layout, flattened.

    Per block of channels 4b..4b+3: for each depth group g < depth // 4 the four channels'
    bytes 4g..4g+3 in turn, then the depth tail (depth % 4 bytes) of each channel in turn. The
    last out_c % 4 channels follow as plain rows.
    """
    oc, depth = weights.shape
    blocks, groups = oc // 4, depth // 4
    w = np.ascontiguousarray(weights, dtype=np.int8)
    if blocks == 0:
        return w.reshape(-1)
    head = w[: 4 * blocks].reshape(blocks, 4, depth)
    grouped = head[:, :, : 4 * groups].reshape(blocks, 4, groups, 4).transpose(0, 2, 1, 3)
    tails = head[:, :, 4 * groups :]
    interleaved = np.concatenate(
        [grouped.reshape(blocks, -1), tails.reshape(blocks, -1)], axis=1
    ).reshape(-1)
    return np.concatenate([interleaved, w[4 * blocks :].reshape(-1)])
