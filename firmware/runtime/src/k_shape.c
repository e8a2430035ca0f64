/*
 * k_shape.c - PAD, CONCATENATION and MEAN.
 *
 * PAD params: in dims d0..d3, before b0..b3, out dims o0..o3, pad value.
 * CONCAT params: n_inputs, outer, inner size (bytes) of each input.
 * MEAN params: dims d0..d3, reduce mask (bit i = dim i), count, in_zp, mult, shift, out_zp
 *   (multiplier and shift already include 1/count, as TFLite's QuantizedMeanOrSum computes).
 */
#include <string.h>

#include "farm_fixedpoint.h"
#include "farm_kernels.h"

void farm_k_pad(const farm_op_t *op)
{
    const int32_t *p = op->p;
    const int32_t *d = p, *b = p + 4, *o = p + 8;
    int8_t *out = op->t[op->n_t - 1];
    const int8_t *in = op->t[0];
    memset(out, (int8_t)p[12], (size_t)(o[0] * o[1] * o[2] * o[3]));
    for (int32_t i0 = 0; i0 < d[0]; i0++) {
        for (int32_t i1 = 0; i1 < d[1]; i1++) {
            for (int32_t i2 = 0; i2 < d[2]; i2++) {
                const int32_t dst = (((i0 + b[0]) * o[1] + i1 + b[1]) * o[2] + i2 + b[2]) * o[3] + b[3];
                memcpy(out + dst, in + ((i0 * d[1] + i1) * d[2] + i2) * d[3], (size_t)d[3]);
            }
        }
    }
}

void farm_k_concat(const farm_op_t *op)
{
    const int32_t n_in = op->p[0], outer = op->p[1];
    const int32_t *inner = op->p + 2;
    int32_t total = 0;
    for (int32_t i = 0; i < n_in; i++) {
        total += inner[i];
    }
    int8_t *out = op->t[op->n_t - 1];
    for (int32_t r = 0; r < outer; r++) {
        for (int32_t i = 0; i < n_in; i++) {
            memcpy(out, op->t[i] + r * inner[i], (size_t)inner[i]);
            out += inner[i];
        }
    }
    (void)total;
}

void farm_k_mean(const farm_op_t *op)
{
    const int32_t *p = op->p;
    const int32_t mask = p[4], count = p[5], in_zp = p[6], mult = p[7], shift = p[8], out_zp = p[9];
    int32_t keep[4], red[4], stride[4];
    stride[3] = 1;
    for (int32_t i = 2; i >= 0; i--) {
        stride[i] = stride[i + 1] * p[i + 1];
    }
    for (int32_t i = 0; i < 4; i++) {
        const int reduced = (mask >> i) & 1;
        keep[i] = reduced ? 1 : p[i];
        red[i] = reduced ? p[i] : 1;
    }
    const int8_t *in = op->t[0];
    int8_t *out = op->t[op->n_t - 1];
    for (int32_t a0 = 0; a0 < keep[0]; a0++) {
        for (int32_t a1 = 0; a1 < keep[1]; a1++) {
            for (int32_t a2 = 0; a2 < keep[2]; a2++) {
                for (int32_t a3 = 0; a3 < keep[3]; a3++) {
                    int32_t sum = 0;
                    const int8_t *base = in + a0 * stride[0] + a1 * stride[1] + a2 * stride[2] + a3;
                    for (int32_t r0 = 0; r0 < red[0]; r0++) {
                        for (int32_t r1 = 0; r1 < red[1]; r1++) {
                            for (int32_t r2 = 0; r2 < red[2]; r2++) {
                                const int8_t *q = base + r0 * stride[0] + r1 * stride[1] + r2 * stride[2];
                                for (int32_t r3 = 0; r3 < red[3]; r3++) {
                                    sum += q[r3];
                                }
                            }
                        }
                    }
                    const int32_t v = farm_requant(sum - in_zp * count, mult, shift, op->single_rounding);
                    *out++ = farm_clamp8(v + out_zp, -128, 127);
                }
            }
        }
    }
}
