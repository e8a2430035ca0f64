/*
 * k_softmax.c - int8 SOFTMAX, TFLite's fixed-point algorithm (reference_ops::Softmax).
 *
 * The compiler tabulates exp(-d * beta * scale) in Q0.31 for d = max - x in 0..255 (0 where
 * TFLite skips the term, below diff_min). The board sums the exponentials in Q12.19, takes
 * gemmlowp's fixed-point reciprocal and scales each exponential into the int8 output
 * (scale 1/256, zero point -128). Params: outer, depth. Consts: exp table int32[256].
 */
#include "farm_fixedpoint.h"
#include "farm_kernels.h"

static int32_t clz32(uint32_t x)
{
    int32_t n = 0;
    if (x == 0u) {
        return 32;
    }
    while ((x & 0x80000000u) == 0u) {
        x <<= 1;
        n++;
    }
    return n;
}

static int32_t sat_shl(int32_t x, int32_t e)
{
    const int32_t threshold = (int32_t)((1u << (31 - e)) - 1u);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return (int32_t)((uint32_t)x << e);
}

/* gemmlowp one_over_one_plus_x_for_x_in_0_1 (Newton-Raphson in Q2.29). */
static int32_t one_over_one_plus_x(int32_t a)
{
    const int64_t s = (int64_t)a + INT32_MAX;
    const int32_t half_den = (int32_t)((s + (s >= 0 ? 1 : -1)) / 2);
    int32_t x = (int32_t)((uint32_t)1515870810 + (uint32_t)farm_srdhm(half_den, -1010580540));
    for (int i = 0; i < 3; i++) {
        const int32_t hdx = farm_srdhm(half_den, x);
        const int32_t one_minus = (int32_t)((uint32_t)(1 << 29) - (uint32_t)hdx);
        x = (int32_t)((uint32_t)x + (uint32_t)sat_shl(farm_srdhm(x, one_minus), 2));
    }
    return sat_shl(x, 1);
}

void farm_k_softmax(const farm_op_t *op)
{
    const int32_t *table = (const int32_t *)op->c[0];
    const int32_t outer = op->p[0], depth = op->p[1];
    for (int32_t r = 0; r < outer; r++) {
        const int8_t *in = op->t[0] + r * depth;
        int8_t *out = op->t[op->n_t - 1] + r * depth;
        int32_t max = -128;
        for (int32_t c = 0; c < depth; c++) {
            max = in[c] > max ? in[c] : max;
        }
        int32_t sum = 0;
        for (int32_t c = 0; c < depth; c++) {
            sum += farm_rdbpot(table[max - in[c]], 12);
        }
        const int32_t headroom = clz32((uint32_t)sum);
        const int32_t bits_over_unit = 12 - headroom;
        const int32_t shifted = (int32_t)(((uint32_t)sum << headroom) - 0x80000000u);
        const int32_t scale = one_over_one_plus_x(shifted);
        for (int32_t c = 0; c < depth; c++) {
            const int32_t v = farm_rdbpot(farm_srdhm(scale, table[max - in[c]]), bits_over_unit + 23);
            out[c] = farm_clamp8(v - 128, -128, 127);
        }
    }
}
