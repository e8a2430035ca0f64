"""TFLite's integer quantization arithmetic, in Python, bit for bit.

The compiler precomputes everything the board would otherwise compute at run time: the
(multiplier, shift) pairs of every requantization and whole lookup tables for the int8
functions (logistic, int8->int8 quantize, softmax's exponentials). These helpers follow
TFLite's `quantization_util.cc`, `common.h` and gemmlowp's `fixedpoint.h` exactly, including
their int32 wrap-around and saturation, so a table computed here equals what TFLite Micro's
kernels compute for the same input.
"""

from __future__ import annotations

import math

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1


def wrap32(x: int) -> int:
    """Two's-complement int32 wrap-around, as C arithmetic on int32 does in practice."""
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def round_half_away(x: float) -> int:
    """`std::round`: halves go away from zero (TfLiteRound)."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLite's QuantizeMultiplier: a real scale as (Q31 multiplier, power-of-two shift)."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = round_half_away(q * (1 << 31))
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q_fixed, shift


def srdhm(a: int, b: int) -> int:
    """gemmlowp SaturatingRoundingDoublingHighMul on int32."""
    if a == INT32_MIN and b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    total = ab + nudge
    # C integer division truncates toward zero.
    q = abs(total) // (1 << 31)
    return wrap32(q if total >= 0 else -q)


def rdbpot(x: int, exponent: int) -> int:
    """gemmlowp RoundingDivideByPOT: divide by 2**exponent, round half away from zero."""
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def mbqm(x: int, multiplier: int, shift: int) -> int:
    """MultiplyByQuantizedMultiplier, double rounding (TFLite Micro's default build)."""
    left = shift if shift > 0 else 0
    right = 0 if shift > 0 else -shift
    return rdbpot(srdhm(wrap32(x * (1 << left)), multiplier), right)


def mbqm_single(x: int, multiplier: int, shift: int) -> int:
    """MultiplyByQuantizedMultiplier with TFLITE_SINGLE_ROUNDING (CMSIS-NN's rounding)."""
    total_shift = 31 - shift
    return wrap32((x * multiplier + (1 << (total_shift - 1))) >> total_shift)


def sat_shift_left(x: int, exponent: int) -> int:
    """gemmlowp SaturatingRoundingMultiplyByPOT for a positive exponent."""
    threshold = (1 << (31 - exponent)) - 1
    if x > threshold:
        return INT32_MAX
    if x < -threshold:
        return INT32_MIN
    return wrap32(x << exponent)


def rescale(x: int, old_bits: int, new_bits: int) -> int:
    """gemmlowp Rescale between fixed-point formats with old/new integer bits."""
    exponent = old_bits - new_bits
    if exponent > 0:
        return sat_shift_left(x, exponent)
    if exponent < 0:
        return rdbpot(x, -exponent)
    return x


def _exp_quarter(a: int) -> int:
    """exp on [-1/4, 0) in Q0.31 (gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl)."""
    constant_term = 1895147668
    constant_1_over_3 = 715827883
    x = wrap32(a + (1 << 28))
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rdbpot(x4, 2)
    poly = rdbpot(wrap32(srdhm(wrap32(x4_over_4 + x3), constant_1_over_3) + x2), 1)
    return wrap32(constant_term + srdhm(constant_term, wrap32(x + poly)))


_EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
               (2, 39332535), (3, 720401), (4, 242))  # fmt: skip


def exp_on_negative_values(a: int, integer_bits: int) -> int:
    """gemmlowp exp_on_negative_values: input Q(ib).(31-ib) <= 0, result Q0.31."""
    frac_bits = 31 - integer_bits
    one_quarter = 1 << (frac_bits - 2)
    mask = one_quarter - 1
    a_mod_q_minus_q = wrap32((a & mask) - one_quarter)
    result = _exp_quarter(rescale(a_mod_q_minus_q, integer_bits, 0))
    remainder = wrap32(a_mod_q_minus_q - a)
    for exponent, multiplier in _EXP_BARREL:
        if integer_bits > exponent:
            shift_amount = frac_bits + exponent
            if remainder & (1 << shift_amount):
                result = srdhm(result, multiplier)
    if integer_bits > 5:
        clamp = -(1 << (36 - integer_bits))
        if a < clamp:
            result = 0
    if a == 0:
        result = INT32_MAX
    return result


def one_over_one_plus_x(a: int) -> int:
    """gemmlowp one_over_one_plus_x_for_x_in_0_1: Q0.31 in, Q0.31 out (Newton-Raphson)."""
    # RoundingHalfSum(a, 1.0): (sum + sign) / 2 with C's truncating division.
    s = a + INT32_MAX
    half_denominator = wrap32((s + 1) // 2 if s >= 0 else -((-s + 1) // 2))
    constant_48_over_17 = 1515870810
    constant_neg_32_over_17 = -1010580540
    one_f2 = 1 << 29
    x = wrap32(constant_48_over_17 + srdhm(half_denominator, constant_neg_32_over_17))
    for _ in range(3):
        hdx = srdhm(half_denominator, x)
        one_minus = wrap32(one_f2 - hdx)
        x = wrap32(x + sat_shift_left(srdhm(x, one_minus), 2))
    return sat_shift_left(x, 1)


def logistic_q(a: int, integer_bits: int) -> int:
    """gemmlowp logistic: input Q(ib).(31-ib), result Q0.31."""
    if a == 0:
        return 1 << 30
    abs_a = a if a > 0 else wrap32(-a)
    positive = one_over_one_plus_x(exp_on_negative_values(wrap32(-abs_a), integer_bits))
    return positive if a > 0 else wrap32(INT32_MAX - positive)
