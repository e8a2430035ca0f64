"""The 3-decimal output route: within half a display step passes, beyond it fails."""

from __future__ import annotations

import numpy as np

from farm.hil.mcu_inference import DECIMAL_METHOD, OutputCheck, _compare_decimals

SCALE, ZERO = 1 / 256, -128


def _check(printed: list[float], want8: list[int]) -> OutputCheck:
    check = OutputCheck()
    _compare_decimals(check, 0, printed, np.asarray(want8, dtype=np.int8), (SCALE, ZERO))
    return check


def test_rounded_values_pass_and_one_step_off_fails() -> None:
    want8 = [-128, -100, 0, 127]
    exact = [(q - ZERO) * SCALE for q in want8]  # 0, 0.109375, 0.5, 0.99609375
    rounded = [round(v, 3) for v in exact]
    good = _check(rounded, want8)
    assert good.passed and good.bit_exact is None and good.method == DECIMAL_METHOD
    assert 0 < good.max_abs_diff <= 0.0005
    off = list(rounded)
    off[1] += 0.001  # one display step: what a wrong int8 output of >= 1 LSB can look like
    bad = _check(off, want8)
    assert not bad.passed and bad.mismatched_inputs == [0] and bad.max_abs_diff > 0.0005


def test_wrong_length_or_unknown_scale_never_passes() -> None:
    assert not _check([0.0, 0.1], [-128, -100, 0]).passed
    check = OutputCheck()
    _compare_decimals(check, 3, [0.0], np.asarray([-128], dtype=np.int8), None)
    assert check.mismatched_inputs == [3]
