"""Generated inputs with a realistic distribution per task (used to calibrate and to check).

Values are float and already lie on the int8 input grid where the task fixes it (images:
pixel/255), so the float twin and the int8 model see the same input.
"""

from __future__ import annotations

import numpy as np

# Per-coefficient mean/std of MFCCs (c0 carries the log energy; higher ones shrink).
_MFCC_MEAN = np.array([-22.0, 4.0, -3.0, 2.0, -1.5, 1.0, -0.5, 0.5, 0.0, 0.0])
_MFCC_STD = np.array([7.0, 5.0, 4.0, 3.5, 3.0, 2.5, 2.2, 2.0, 1.8, 1.6])


def _smooth(x: np.ndarray, axis: int, width: int) -> np.ndarray:
    kernel = np.ones(width) / width
    return np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="same"), axis, x)


def mfcc(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 49, 10, 1) MFCC-like frames: a spoken-word energy bump over noise."""
    t = np.arange(49)[None, :]
    centre = rng.uniform(10, 39, size=(n, 1))
    width = rng.uniform(4, 12, size=(n, 1))
    bump = 15.0 * np.exp(-0.5 * ((t - centre) / width) ** 2)  # (n, 49)
    noise = _smooth(rng.normal(size=(n, 49, 10)), axis=1, width=3) * 1.7
    word = rng.normal(size=(n, 1, 10)) * bump[:, :, None] / 15.0
    x = _MFCC_MEAN + _MFCC_STD * (noise + 1.5 * word)
    x[:, :, 0] += bump
    return x[..., None]


def images(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    """(n, size, size, 3) smooth colour images with edges, on the 1/255 grid in [0, 1]."""
    out = np.zeros((n, size, size, 3))
    for cells, amp in ((2, 0.35), (4, 0.25), (8, 0.15), (size // 4, 0.08)):
        coarse = rng.normal(size=(n, cells, cells, 3))
        rep = -(-size // cells)
        out += amp * np.repeat(np.repeat(coarse, rep, axis=1), rep, axis=2)[:, :size, :size]
    out = _smooth(_smooth(out, 1, 3), 2, 3)
    out += 0.5 + rng.normal(0, 0.2, size=(n, 1, 1, 3)) + rng.normal(0, 0.03, size=out.shape)
    return np.round(np.clip(out, 0.0, 1.0) * 255.0) / 255.0


def logmel(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 640) = 5 frames x 128 log-mel bands of machine sound, roughly standardized."""
    bands = np.arange(128)
    spectrum = -0.8 * bands / 128.0 + _smooth(rng.normal(size=(n, 128)), 1, 9) * 1.5
    tones = np.zeros((n, 128))
    for _ in range(3):
        f = rng.integers(0, 128, size=n)
        tones[np.arange(n), f] += rng.uniform(1.0, 3.0, size=n)
    frames = spectrum[:, None, :] + tones[:, None, :] + 0.3 * rng.normal(size=(n, 5, 128))
    return frames.reshape(n, 640)
