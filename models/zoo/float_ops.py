"""Float reference kernels (NHWC, batch first) used to calibrate the zoo's activation ranges.

They follow TFLite's shape conventions (SAME padding puts the extra row/column at the end), so
the calibrated ranges describe what the int8 graph computes.
"""

from __future__ import annotations

import numpy as np


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """Return (before, after) padding of TFLite's SAME scheme for one spatial axis."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _pad_spatial(x: np.ndarray, kernel: tuple[int, int], stride: int, padding: str) -> np.ndarray:
    if padding == "VALID":
        return x
    ph = same_padding(x.shape[1], kernel[0], stride)
    pw = same_padding(x.shape[2], kernel[1], stride)
    return np.pad(x, ((0, 0), ph, pw, (0, 0)))


def _windows(x: np.ndarray, kernel: tuple[int, int], stride: int) -> np.ndarray:
    """Sliding windows as (N, OH, OW, C, KH, KW)."""
    win = np.lib.stride_tricks.sliding_window_view(x, kernel, axis=(1, 2))
    return win[:, ::stride, ::stride]


def conv2d(
    x: np.ndarray, w_ohwi: np.ndarray, bias: np.ndarray, stride: int, padding: str
) -> np.ndarray:
    """CONV_2D with weights in TFLite's OHWI layout."""
    kh, kw = w_ohwi.shape[1:3]
    win = _windows(_pad_spatial(x, (kh, kw), stride, padding), (kh, kw), stride)
    return np.einsum("nhwcij,oijc->nhwo", win, w_ohwi, optimize=True) + bias


def depthwise_conv2d(
    x: np.ndarray, w_1hwc: np.ndarray, bias: np.ndarray, stride: int, padding: str
) -> np.ndarray:
    """DEPTHWISE_CONV_2D with depth multiplier 1, weights in TFLite's 1HWC layout."""
    kh, kw = w_1hwc.shape[1:3]
    win = _windows(_pad_spatial(x, (kh, kw), stride, padding), (kh, kw), stride)
    return np.einsum("nhwcij,ijc->nhwc", win, w_1hwc[0], optimize=True) + bias


def fully_connected(x: np.ndarray, w_oi: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """FULLY_CONNECTED with weights [out, in]."""
    return x @ w_oi.T + bias


def pool2d(x: np.ndarray, pool: tuple[int, int], stride: int, kind: str) -> np.ndarray:
    """AVERAGE_POOL_2D or MAX_POOL_2D with VALID padding."""
    win = _windows(x, pool, stride)
    return win.mean(axis=(4, 5)) if kind == "avg" else win.max(axis=(4, 5))


def activation(x: np.ndarray, kind: str) -> np.ndarray:
    """Fused activation: NONE, RELU, RELU6 or RELU_N1_TO_1."""
    if kind == "RELU":
        return np.maximum(x, 0.0)
    if kind == "RELU6":
        return np.clip(x, 0.0, 6.0)
    if kind == "RELU_N1_TO_1":
        return np.clip(x, -1.0, 1.0)
    return x


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def logistic(x: np.ndarray) -> np.ndarray:
    """Sigmoid."""
    return 1.0 / (1.0 + np.exp(-x))
