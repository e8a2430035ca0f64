/*
 * k_conv.c - CONV_2D (any kernel size, stride, dilation, padding) and DEPTHWISE_CONV_2D.
 *
 * CONV gathers the windows of two output pixels into a small scratch buffer in the arena
 * (2 x k_h*k_w*in_c bytes, planned by the compiler) and runs them through the same 2x2 SMLAD
 * matrix kernel as FULLY_CONNECTED. DEPTHWISE works in place, four channels at a time.
 * Padded taps: TFLite skips them. With the input offset folded into the bias, a padded tap
 * holding the input zero point contributes exactly nothing, so both views agree.
 *
 * CONV tensors: in, scratch, out. Consts: weights OHWI, folded bias, multiplier, shift.
 * CONV params: n, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, stride_h, stride_w, dil_h,
 *   dil_w, pad_h, pad_w, in_offset, out_offset, act_min, act_max.
 * DEPTHWISE params: same with depth_multiplier after out_c.
 * DEPTHWISE consts: weights 1HWO, bias, folded bias, multiplier, shift (per out channel).
 */
#include <string.h>

#include "farm_fixedpoint.h"
#include "farm_kernels.h"
#include "farm_simd.h"

typedef struct {
    int32_t lo, hi; /* in-bounds kernel taps [lo, hi) */
} taps_t;

static taps_t in_bounds(int32_t origin, int32_t k, int32_t dil, int32_t size)
{
    taps_t t = {0, k};
    while (t.lo < k && origin + t.lo * dil < 0) {
        t.lo++;
    }
    while (t.hi > t.lo && origin + (t.hi - 1) * dil >= size) {
        t.hi--;
    }
    return t;
}

/* Gather the kernel window of one output pixel into `dst` (k_h * k_w * in_c bytes, OHWI order),
 * writing the input zero point for padded taps. */
static void gather(const int8_t *in, int32_t in_h, int32_t in_w, int32_t in_c, int32_t y0, int32_t x0,
                   int32_t k_h, int32_t k_w, int32_t d_h, int32_t d_w, int8_t pad, int8_t *dst)
{
    const int32_t row_bytes = k_w * in_c;
    for (int32_t ky = 0; ky < k_h; ky++, dst += row_bytes) {
        const int32_t iy = y0 + ky * d_h;
        if (iy < 0 || iy >= in_h) {
            memset(dst, pad, (size_t)row_bytes);
            continue;
        }
        const int8_t *row = in + iy * in_w * in_c;
        if (d_w == 1 && x0 >= 0 && x0 + k_w <= in_w) {
            memcpy(dst, row + x0 * in_c, (size_t)row_bytes);
            continue;
        }
        for (int32_t kx = 0; kx < k_w; kx++) {
            const int32_t ix = x0 + kx * d_w;
            if (ix < 0 || ix >= in_w) {
                memset(dst + kx * in_c, pad, (size_t)in_c);
            } else {
                memcpy(dst + kx * in_c, row + ix * in_c, (size_t)in_c);
            }
        }
    }
}

void farm_k_conv(const farm_op_t *op)
{
    const int32_t *p = op->p;
    const int32_t n = p[0], in_h = p[1], in_w = p[2], in_c = p[3], out_h = p[4], out_w = p[5];
    const int32_t out_c = p[6], k_h = p[7], k_w = p[8], s_h = p[9], s_w = p[10], d_h = p[11];
    const int32_t d_w = p[12], pad_h = p[13], pad_w = p[14], in_off = p[15];
    const farm_rq_t q = {(const int32_t *)op->c[1], (const int32_t *)op->c[2],
                         (const int32_t *)op->c[3], p[16], p[17], p[18], op->single_rounding};
    const int8_t *w = (const int8_t *)op->c[0];
    int8_t *patch = op->t[1];
    int8_t *out = op->t[op->n_t - 1];
    const int32_t depth = k_h * k_w * in_c;
    const int8_t pad = (int8_t)(-in_off);
    /* Two output pixels at a time: their windows (padded with the input zero point, which the
     * folded bias cancels exactly) are two rows of a matrix product with all the filters. */
    int32_t b = 0, oy = 0, ox = 0, rows = 0;
    const int32_t total = n * out_h * out_w;
    for (int32_t px = 0; px < total; px++) {
        const int8_t *img = op->t[0] + b * in_h * in_w * in_c;
        gather(img, in_h, in_w, in_c, oy * s_h - pad_h, ox * s_w - pad_w, k_h, k_w, d_h, d_w, pad,
               patch + rows * depth);
        rows++;
        if (rows == 2 || px == total - 1) {
            farm_matmul(patch, rows, depth, w, out_c, &q, out + (px + 1 - rows) * out_c);
            rows = 0;
        }
        if (++ox == out_w) {
            ox = 0;
            if (++oy == out_h) {
                oy = 0;
                b++;
            }
        }
    }
}

/* Depthwise, multiplier 1, four channels at a time: SMLABB/SMLATT keep channels apart. */
static void dw_block4(const int8_t *in, const int8_t *w, int32_t c, int32_t in_w, int32_t in_c,
                      int32_t y0, int32_t x0, taps_t ty, taps_t tx, int32_t k_w, int32_t d_h,
                      int32_t d_w, int32_t off, int32_t acc[4])
{
#if FARM_USE_DSP
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    const int32_t off2 = (int32_t)(((uint32_t)(uint16_t)off << 16) | (uint16_t)off);
    for (int32_t ky = ty.lo; ky < ty.hi; ky++) {
        const int8_t *row = in + (y0 + ky * d_h) * in_w * in_c + c;
        const int8_t *wrow = w + ky * k_w * in_c + c;
        for (int32_t kx = tx.lo; kx < tx.hi; kx++) {
            const int32_t xv = farm_ld32(row + (x0 + kx * d_w) * in_c);
            const int32_t wv = farm_ld32(wrow + kx * in_c);
            int32_t xe = FARM_SXTB16(xv), xo = FARM_SXTB16_ROR8(xv);
            if (off != 0) {
                xe = FARM_SADD16(xe, off2);
                xo = FARM_SADD16(xo, off2);
            }
            const int32_t we = FARM_SXTB16(wv), wo = FARM_SXTB16_ROR8(wv);
            a0 = FARM_SMLABB(xe, we, a0);
            a2 = FARM_SMLATT(xe, we, a2);
            a1 = FARM_SMLABB(xo, wo, a1);
            a3 = FARM_SMLATT(xo, wo, a3);
        }
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
#else
    for (int32_t j = 0; j < 4; j++) {
        int32_t a = acc[j];
        for (int32_t ky = ty.lo; ky < ty.hi; ky++) {
            const int8_t *row = in + (y0 + ky * d_h) * in_w * in_c + c + j;
            const int8_t *wrow = w + ky * k_w * in_c + c + j;
            for (int32_t kx = tx.lo; kx < tx.hi; kx++) {
                a += ((int32_t)row[(x0 + kx * d_w) * in_c] + off) * wrow[kx * in_c];
            }
        }
        acc[j] = a;
    }
#endif
}

void farm_k_depthwise(const farm_op_t *op)
{
    const int32_t *p = op->p;
    const int32_t n = p[0], in_h = p[1], in_w = p[2], in_c = p[3], out_h = p[4], out_w = p[5];
    const int32_t out_c = p[6], dm = p[7], k_h = p[8], k_w = p[9], s_h = p[10], s_w = p[11];
    const int32_t d_h = p[12], d_w = p[13], pad_h = p[14], pad_w = p[15], in_off = p[16];
    const int32_t out_off = p[17], act_min = p[18], act_max = p[19];
    const int8_t *w = (const int8_t *)op->c[0];
    const int32_t *bias = (const int32_t *)op->c[1], *folded = (const int32_t *)op->c[2];
    const int32_t *mult = (const int32_t *)op->c[3], *shift = (const int32_t *)op->c[4];
    int8_t *out = op->t[op->n_t - 1];
    for (int32_t b = 0; b < n; b++) {
        const int8_t *in = op->t[0] + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; oy++) {
            const int32_t y0 = oy * s_h - pad_h;
            const taps_t ty = in_bounds(y0, k_h, d_h, in_h);
            for (int32_t ox = 0; ox < out_w; ox++) {
                const int32_t x0 = ox * s_w - pad_w;
                const taps_t tx = in_bounds(x0, k_w, d_w, in_w);
                const int full = ty.lo == 0 && ty.hi == k_h && tx.lo == 0 && tx.hi == k_w;
                const int32_t off = full ? 0 : in_off;
                const int32_t *b0 = full ? folded : bias;
                int8_t *o = out + ((b * out_h + oy) * out_w + ox) * out_c;
                int32_t oc = 0;
                if (dm == 1) {
                    for (; oc + 3 < out_c; oc += 4) {
                        int32_t acc[4] = {b0[oc], b0[oc + 1], b0[oc + 2], b0[oc + 3]};
                        dw_block4(in, w, oc, in_w, in_c, y0, x0, ty, tx, k_w, d_h, d_w, off, acc);
                        for (int32_t j = 0; j < 4; j++) {
                            o[oc + j] = farm_clamp8(farm_requant(acc[j], mult[oc + j], shift[oc + j],
                                                                 op->single_rounding) + out_off,
                                                    act_min, act_max);
                        }
                    }
                }
                for (; oc < out_c; oc++) {
                    const int32_t ic = oc / dm;
                    int32_t acc = b0[oc];
                    for (int32_t ky = ty.lo; ky < ty.hi; ky++) {
                        const int8_t *row = in + (y0 + ky * d_h) * in_w * in_c + ic;
                        const int8_t *wrow = w + ky * k_w * out_c + oc;
                        for (int32_t kx = tx.lo; kx < tx.hi; kx++) {
                            acc += ((int32_t)row[(x0 + kx * d_w) * in_c] + off) * wrow[kx * out_c];
                        }
                    }
                    o[oc] = farm_clamp8(farm_requant(acc, mult[oc], shift[oc], op->single_rounding) + out_off,
                                        act_min, act_max);
                }
            }
        }
    }
}
