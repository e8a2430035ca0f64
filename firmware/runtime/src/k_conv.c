/*
 * k_conv.c - CONV_2D (any kernel size, stride, dilation, padding) and DEPTHWISE_CONV_2D.
 *
 * No im2col buffer: for each output pixel the in-bounds part of every kernel row is one
 * contiguous run of (kx_hi - kx_lo) * in_c int8 values in both the NHWC input and the OHWI
 * weights (dilation 1), and the run is a dot product. Pixels whose window lies entirely inside
 * the image use the bias with the input offset folded in; border pixels skip the padded taps
 * exactly like TFLite and add the offset per tap instead.
 *
 * CONV params: n, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, stride_h, stride_w, dil_h,
 *   dil_w, pad_h, pad_w, in_offset, out_offset, act_min, act_max.
 * DEPTHWISE params: same with depth_multiplier after out_c.
 * Consts: weights, bias int32, folded bias int32, multiplier int32, shift int32 (per out channel).
 */
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

/* Two output channels over one contiguous run; `off` is 0 (folded bias) or the input offset. */
static inline void run2(const int8_t *x, const int8_t *w0, const int8_t *w1, int32_t n, int32_t off,
                        int32_t *acc0, int32_t *acc1)
{
    int32_t a0 = *acc0, a1 = *acc1;
    int32_t k = 0;
#if FARM_USE_DSP
    const int32_t off2 = (int32_t)(((uint32_t)(uint16_t)off << 16) | (uint16_t)off);
    for (; k + 3 < n; k += 4) {
        const int32_t xv = farm_ld32(x + k);
        int32_t xe = FARM_SXTB16(xv), xo = FARM_SXTB16_ROR8(xv);
        if (off != 0) {
            xe = FARM_SADD16(xe, off2);
            xo = FARM_SADD16(xo, off2);
        }
        const int32_t wa = farm_ld32(w0 + k), wb = farm_ld32(w1 + k);
        a0 = FARM_SMLAD(xe, FARM_SXTB16(wa), a0);
        a0 = FARM_SMLAD(xo, FARM_SXTB16_ROR8(wa), a0);
        a1 = FARM_SMLAD(xe, FARM_SXTB16(wb), a1);
        a1 = FARM_SMLAD(xo, FARM_SXTB16_ROR8(wb), a1);
    }
#endif
    for (; k < n; k++) {
        const int32_t xv = (int32_t)x[k] + off;
        a0 += xv * w0[k];
        a1 += xv * w1[k];
    }
    *acc0 = a0;
    *acc1 = a1;
}

static inline void run1(const int8_t *x, const int8_t *w0, int32_t n, int32_t off, int32_t *acc0)
{
    int32_t a0 = *acc0;
    int32_t k = 0;
#if FARM_USE_DSP
    const int32_t off2 = (int32_t)(((uint32_t)(uint16_t)off << 16) | (uint16_t)off);
    for (; k + 3 < n; k += 4) {
        const int32_t xv = farm_ld32(x + k), wa = farm_ld32(w0 + k);
        int32_t xe = FARM_SXTB16(xv), xo = FARM_SXTB16_ROR8(xv);
        if (off != 0) {
            xe = FARM_SADD16(xe, off2);
            xo = FARM_SADD16(xo, off2);
        }
        a0 = FARM_SMLAD(xe, FARM_SXTB16(wa), a0);
        a0 = FARM_SMLAD(xo, FARM_SXTB16_ROR8(wa), a0);
    }
#endif
    for (; k < n; k++) {
        a0 += ((int32_t)x[k] + off) * w0[k];
    }
    *acc0 = a0;
}

void farm_k_conv(const farm_op_t *op)
{
    const int32_t *p = op->p;
    const int32_t n = p[0], in_h = p[1], in_w = p[2], in_c = p[3], out_h = p[4], out_w = p[5];
    const int32_t out_c = p[6], k_h = p[7], k_w = p[8], s_h = p[9], s_w = p[10], d_h = p[11];
    const int32_t d_w = p[12], pad_h = p[13], pad_w = p[14], in_off = p[15], out_off = p[16];
    const int32_t act_min = p[17], act_max = p[18];
    const int8_t *in = op->t[0];
    int8_t *out = op->t[op->n_t - 1];
    const int8_t *w = (const int8_t *)op->c[0];
    const int32_t *bias = (const int32_t *)op->c[1], *folded = (const int32_t *)op->c[2];
    const int32_t *mult = (const int32_t *)op->c[3], *shift = (const int32_t *)op->c[4];
    const int32_t w_stride = k_h * k_w * in_c;
    for (int32_t b = 0; b < n; b++) {
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
                for (int32_t c = 0; c < out_c; c += 2) {
                    const int pair = c + 1 < out_c;
                    int32_t a0 = b0[c], a1 = pair ? b0[c + 1] : 0;
                    const int8_t *wc0 = w + c * w_stride;
                    const int8_t *wc1 = pair ? wc0 + w_stride : wc0;
                    for (int32_t ky = ty.lo; ky < ty.hi; ky++) {
                        const int8_t *row = in + ((b * in_h + y0 + ky * d_h) * in_w) * in_c;
                        const int32_t wrow = ky * k_w * in_c;
                        if (d_w == 1) {
                            const int32_t len = (tx.hi - tx.lo) * in_c;
                            const int8_t *xs = row + (x0 + tx.lo) * in_c;
                            const int32_t wo = wrow + tx.lo * in_c;
                            if (pair) {
                                run2(xs, wc0 + wo, wc1 + wo, len, off, &a0, &a1);
                            } else {
                                run1(xs, wc0 + wo, len, off, &a0);
                            }
                            continue;
                        }
                        for (int32_t kx = tx.lo; kx < tx.hi; kx++) {
                            const int8_t *xs = row + (x0 + kx * d_w) * in_c;
                            const int32_t wo = wrow + kx * in_c;
                            if (pair) {
                                run2(xs, wc0 + wo, wc1 + wo, in_c, off, &a0, &a1);
                            } else {
                                run1(xs, wc0 + wo, in_c, off, &a0);
                            }
                        }
                    }
                    o[c] = farm_clamp8(farm_requant(a0, mult[c], shift[c], op->single_rounding) + out_off,
                                       act_min, act_max);
                    if (pair) {
                        o[c + 1] = farm_clamp8(
                            farm_requant(a1, mult[c + 1], shift[c + 1], op->single_rounding) + out_off,
                            act_min, act_max);
                    }
                }
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
