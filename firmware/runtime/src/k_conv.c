/*
 * k_conv.c - CONV_2D (any kernel size, stride, dilation, padding) and DEPTHWISE_CONV_2D.
 *
 * CONV gathers the windows of two output pixels into a small scratch buffer in the arena
 * (2 x k_h*k_w*in_c bytes, planned by the compiler) and runs them through the same 2x2 SMLAD
 * matrix kernel as FULLY_CONNECTED. DEPTHWISE works in place, four channels at a time.
 * Padded taps: TFLite skips them. With the input offset folded into the bias, a padded tap
 * holding the input zero point contributes exactly nothing, so both views agree.
 *
 * CONV tensors: in, scratch, out. Consts: weights OHWI, folded bias, requantization records.
 * CONV params: n, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, stride_h, stride_w, dil_h,
 *   dil_w, pad_h, pad_w, in_offset, out_offset, act_min, act_max, window pixels (1 or 2),
 *   fast requantization flag.
 * DEPTHWISE params: as CONV up to act_max with depth_multiplier after out_c, then the fast flag.
 * DEPTHWISE consts: weights 1HWO, bias, folded bias, requantization records (per out channel).
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

/* A window row is short (a few taps of a few channels: 4 bytes in KWS's first layer, 9 in
 * VWW's): word moves and a byte tail inline cost less than a library call per row. */
static inline void copy_row(int8_t *dst, const int8_t *src, int32_t n)
{
    int32_t i = 0;
    for (; i + 3 < n; i += 4) {
        farm_st32(dst + i, farm_ld32(src + i));
    }
    for (; i < n; i++) {
        dst[i] = src[i];
    }
}

/* The padding counterpart of copy_row. */
static inline void fill_row(int8_t *dst, int8_t pad, int32_t n)
{
    const int32_t word = (int32_t)(0x01010101u * (uint8_t)pad);
    int32_t i = 0;
    for (; i + 3 < n; i += 4) {
        farm_st32(dst + i, word);
    }
    for (; i < n; i++) {
        dst[i] = pad;
    }
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
            fill_row(dst, pad, row_bytes);
            continue;
        }
        const int8_t *row = in + iy * in_w * in_c;
        if (d_w == 1 && x0 >= 0 && x0 + k_w <= in_w) {
            copy_row(dst, row + x0 * in_c, row_bytes);
            continue;
        }
        for (int32_t kx = 0; kx < k_w; kx++) {
            const int32_t ix = x0 + kx * d_w;
            if (ix < 0 || ix >= in_w) {
                fill_row(dst + kx * in_c, pad, in_c);
            } else {
                copy_row(dst + kx * in_c, row + ix * in_c, in_c);
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
    const int32_t window_rows = p[19] == 1 ? 1 : 2; /* pixels per gather (scratch size) */
    const farm_rq_t q = {(const int32_t *)op->c[1], (const int32_t *)op->c[2], p[16], p[17], p[18],
                         farm_rq_mode(op, p[20])};
    const int8_t *w = (const int8_t *)op->c[0];
    int8_t *patch = op->t[1];
    int8_t *out = op->t[op->n_t - 1];
    const int32_t depth = k_h * k_w * in_c;
    const int8_t pad = (int8_t)(-in_off);
    /* Two output pixels at a time (one when the compiler found that a smaller scratch shrinks
     * the arena): their windows (padded with the input zero point, which the
     * folded bias cancels exactly) are two rows of a matrix product with all the filters. */
    int32_t b = 0, oy = 0, ox = 0, rows = 0;
    const int32_t total = n * out_h * out_w;
    for (int32_t px = 0; px < total; px++) {
        const int8_t *img = op->t[0] + b * in_h * in_w * in_c;
        gather(img, in_h, in_w, in_c, oy * s_h - pad_h, ox * s_w - pad_w, k_h, k_w, d_h, d_w, pad,
               patch + rows * depth);
        rows++;
        if (rows == window_rows || px == total - 1) {
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

static void dw_block4_c(const int8_t *x, const int8_t *w, int32_t in_c, int32_t n_y, int32_t n_x,
                        int32_t x_step, int32_t x_row, int32_t w_row, int32_t off, int32_t acc[4]);

/* Depthwise, multiplier 1, four channels at a time over the in-bounds taps; SMLABB/SMLATT keep
 * the channels apart. `off` is 0 (window inside the image, folded bias) or the input offset. */
/* noinline: the assembly needs 13 registers, which it only gets in a small function. */
static __attribute__((noinline)) void dw_block4(const int8_t *x, const int8_t *w, int32_t in_c, int32_t n_y,
                             int32_t n_x, int32_t x_step, int32_t x_row, int32_t w_row, int32_t off,
                             int32_t acc[4])
{
#if FARM_ASM_KERNELS
    if (x_step != in_c) { /* dilated: the C loop below */
        dw_block4_c(x, w, in_c, n_y, n_x, x_step, x_row, w_row, off, acc);
        return;
    }
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    const int32_t off2 = (int32_t)(((uint32_t)(uint16_t)off << 16) | (uint16_t)off);
    /* With dilation 1 the input and the weights advance by in_c per tap: one index register,
     * counted up from -n_x*in_c to 0 over base pointers placed at the end of the row. */
    const int32_t span = n_x * in_c;
    for (int32_t ky = 0; ky < n_y; ky++, x += x_row, w += w_row) {
        const int8_t *xp = x + span;
        const int8_t *wp = w + span;
        int32_t idx = -span;
        int32_t xe, xo, we, wo;
        if (span <= 0) {
            continue;
        }
        /* 12 instructions per tap of 4 channels (14 at the border, where SADD16 adds the
         * input offset because the raw bias is used). */
        if (off == 0) {
            __asm__ volatile(
                "1:\n\t"
                "ldr %[xe], [%[xp], %[ix]]\n\t"
                "ldr %[we], [%[wp], %[ix]]\n\t"
                "sxtb16 %[xo], %[xe], ror #8\n\t"
                "sxtb16 %[xe], %[xe]\n\t"
                "sxtb16 %[wo], %[we], ror #8\n\t"
                "sxtb16 %[we], %[we]\n\t"
                "smlabb %[a0], %[xe], %[we], %[a0]\n\t"
                "smlatt %[a2], %[xe], %[we], %[a2]\n\t"
                "smlabb %[a1], %[xo], %[wo], %[a1]\n\t"
                "smlatt %[a3], %[xo], %[wo], %[a3]\n\t"
                "adds %[ix], %[ix], %[st]\n\t"
                "bne 1b\n\t"
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [ix] "+r"(idx),
                  [xe] "=&r"(xe), [xo] "=&r"(xo), [we] "=&r"(we), [wo] "=&r"(wo)
                : [xp] "r"(xp), [wp] "r"(wp), [st] "r"(in_c)
                : "cc", "memory");
        } else {
            __asm__ volatile(
                "1:\n\t"
                "ldr %[xe], [%[xp], %[ix]]\n\t"
                "ldr %[we], [%[wp], %[ix]]\n\t"
                "sxtb16 %[xo], %[xe], ror #8\n\t"
                "sxtb16 %[xe], %[xe]\n\t"
                "sadd16 %[xo], %[xo], %[o2]\n\t"
                "sadd16 %[xe], %[xe], %[o2]\n\t"
                "sxtb16 %[wo], %[we], ror #8\n\t"
                "sxtb16 %[we], %[we]\n\t"
                "smlabb %[a0], %[xe], %[we], %[a0]\n\t"
                "smlatt %[a2], %[xe], %[we], %[a2]\n\t"
                "smlabb %[a1], %[xo], %[wo], %[a1]\n\t"
                "smlatt %[a3], %[xo], %[wo], %[a3]\n\t"
                "adds %[ix], %[ix], %[st]\n\t"
                "bne 1b\n\t"
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [ix] "+r"(idx),
                  [xe] "=&r"(xe), [xo] "=&r"(xo), [we] "=&r"(we), [wo] "=&r"(wo)
                : [xp] "r"(xp), [wp] "r"(wp), [st] "r"(in_c), [o2] "r"(off2)
                : "cc", "memory");
        }
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
#else
    dw_block4_c(x, w, in_c, n_y, n_x, x_step, x_row, w_row, off, acc);
#endif
}

static void dw_block4_c(const int8_t *x, const int8_t *w, int32_t in_c, int32_t n_y, int32_t n_x,
                        int32_t x_step, int32_t x_row, int32_t w_row, int32_t off, int32_t acc[4])
{
#if FARM_USE_DSP
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    const int32_t off2 = (int32_t)(((uint32_t)(uint16_t)off << 16) | (uint16_t)off);
    for (int32_t ky = 0; ky < n_y; ky++, x += x_row, w += w_row) {
        const int8_t *xp = x;
        const int8_t *wp = w;
        for (int32_t kx = 0; kx < n_x; kx++, xp += x_step, wp += in_c) {
            const int32_t xv = farm_ld32(xp), wv = farm_ld32(wp);
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
    for (int32_t ky = 0; ky < n_y; ky++, x += x_row, w += w_row) {
        for (int32_t kx = 0; kx < n_x; kx++) {
            for (int32_t j = 0; j < 4; j++) {
                acc[j] += ((int32_t)x[kx * x_step + j] + off) * w[kx * in_c + j];
            }
        }
    }
#endif
}

#if FARM_USE_DSP
#if FARM_ASM_KERNELS
/* One tap of four channels at [xp + idx], [wp + idx]: 10 instructions, 4 MACs. */
#define DW_TAP(ADDR_X, ADDR_W)                                                                     \
    "ldr %[xe], " ADDR_X "\n\t"                                                                   \
    "ldr %[we], " ADDR_W "\n\t"                                                                   \
    "sxtb16 %[xo], %[xe], ror #8\n\t"                                                            \
    "sxtb16 %[xe], %[xe]\n\t"                                                                    \
    "sxtb16 %[wo], %[we], ror #8\n\t"                                                            \
    "sxtb16 %[we], %[we]\n\t"                                                                    \
    "smlabb %[a0], %[xe], %[we], %[a0]\n\t"                                                      \
    "smlatt %[a2], %[xe], %[we], %[a2]\n\t"                                                      \
    "smlabb %[a1], %[xo], %[wo], %[a1]\n\t"                                                      \
    "smlatt %[a3], %[xo], %[wo], %[a3]\n\t"
#define DW_ROW3                                                                                    \
    DW_TAP("[%[xp]]", "[%[wp]]")                                                                   \
    DW_TAP("[%[xp], %[st]]", "[%[wp], %[st]]")                                                     \
    DW_TAP("[%[xp], %[st], lsl #1]", "[%[wp], %[st], lsl #1]")
#endif

/* A full 3x3 window (inside the image, dilation 1, folded bias), four channels: straight-line,
 * 96 instructions for 36 MACs, with no loop or call overhead; 12 registers. */
static inline __attribute__((always_inline)) void dw_full3x3(const int8_t *x, const int8_t *w,
                                                             int32_t in_c, int32_t x_row,
                                                             int32_t w_row, int32_t acc[4])
{
#if FARM_ASM_KERNELS
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    int32_t xe, xo, we, wo;
    __asm__ volatile(
        DW_ROW3
        "add %[xp], %[xp], %[xr]\n\t"
        "add %[wp], %[wp], %[st], lsl #1\n\t"
        "add %[wp], %[wp], %[st]\n\t"
        DW_ROW3
        "add %[xp], %[xp], %[xr]\n\t"
        "add %[wp], %[wp], %[st], lsl #1\n\t"
        "add %[wp], %[wp], %[st]\n\t"
        DW_ROW3
        : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xp] "+r"(x), [wp] "+r"(w),
          [xe] "=&r"(xe), [xo] "=&r"(xo), [we] "=&r"(we), [wo] "=&r"(wo)
        : [st] "r"(in_c), [xr] "r"(x_row)
        : "memory");
    (void)w_row; /* 3 * in_c: added as in_c * 2 + in_c, which saves a register */
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
#else
    dw_block4_c(x, w, in_c, 3, 3, in_c, x_row, w_row, 0, acc);
#endif
}

/* Invariants of a depthwise layer for the per-pixel routine. */
typedef struct {
    const int32_t *bias, *folded, *rq;
    int32_t c, x_row, w_row, out_off, act_min, act_max;
} dw_layer_t;

/* All channels (multiplier 1, a multiple of 4) of one output pixel: the MACs of four channels,
 * then their requantization with that block's multipliers and shifts, written straight out.
 * `full`: the window is the whole kernel inside the image (folded bias, `off` 0).
 * `sat8`: the activation range is [-128, 127], so the clamp is one SSAT. */
static inline __attribute__((always_inline)) void dw_pixel_impl(const dw_layer_t *l,
                                                                const int8_t *x, const int8_t *w,
                                                                int32_t n_y, int32_t n_x, int32_t off,
                                                                int full, int8_t *o, const int mode,
                                                                const int sat8)
{
    const int32_t c = l->c, x_row = l->x_row, w_row = l->w_row, out_off = l->out_off;
    const int32_t act_min = l->act_min, act_max = l->act_max;
    const int32_t *rq = l->rq; /* a local: the byte stores cannot alias it */
    const int full3x3 = full && n_y == 3 && n_x == 3;
    const int32_t *b0 = full ? l->folded : l->bias;
    for (int32_t oc = 0; oc < c; oc += 4) {
        int32_t acc[4] = {b0[oc], b0[oc + 1], b0[oc + 2], b0[oc + 3]};
        if (full3x3) {
            dw_full3x3(x + oc, w + oc, c, x_row, w_row, acc);
        } else {
            dw_block4(x + oc, w + oc, c, n_y, n_x, c, x_row, w_row, off, acc);
        }
        /* Written out: the four results stay in registers, no loop over a stack array. */
        const int32_t *r = rq + oc * FARM_RQ_WORDS;
        const int32_t v0 = farm_rq_apply(acc[0], r, mode) + out_off;
        const int32_t v1 = farm_rq_apply(acc[1], r + FARM_RQ_WORDS, mode) + out_off;
        const int32_t v2 = farm_rq_apply(acc[2], r + 2 * FARM_RQ_WORDS, mode) + out_off;
        const int32_t v3 = farm_rq_apply(acc[3], r + 3 * FARM_RQ_WORDS, mode) + out_off;
        o[oc] = (int8_t)(sat8 ? FARM_SSAT8(v0) : farm_clamp8(v0, act_min, act_max));
        o[oc + 1] = (int8_t)(sat8 ? FARM_SSAT8(v1) : farm_clamp8(v1, act_min, act_max));
        o[oc + 2] = (int8_t)(sat8 ? FARM_SSAT8(v2) : farm_clamp8(v2, act_min, act_max));
        o[oc + 3] = (int8_t)(sat8 ? FARM_SSAT8(v3) : farm_clamp8(v3, act_min, act_max));
    }
}

/* The six instantiations (requantization mode x clamp kind), each one small function: the
 * inline assembly gets its registers and the flags are constants. */
typedef void (*dw_pixel_fn)(const dw_layer_t *, const int8_t *, const int8_t *, int32_t, int32_t,
                            int32_t, int, int8_t *);
#define DW_PIXEL(NAME, MODE, SAT8)                                                               \
    static __attribute__((noinline)) void NAME(const dw_layer_t *l, const int8_t *x,             \
                                               const int8_t *w, int32_t n_y, int32_t n_x,         \
                                               int32_t off, int full, int8_t *o)                  \
    {                                                                                              \
        dw_pixel_impl(l, x, w, n_y, n_x, off, full, o, MODE, SAT8);                              \
    }
DW_PIXEL(dw_pixel_f, FARM_RQ_FAST, 0)
DW_PIXEL(dw_pixel_fs, FARM_RQ_FAST, 1)
DW_PIXEL(dw_pixel_d, FARM_RQ_DOUBLE, 0)
DW_PIXEL(dw_pixel_ds, FARM_RQ_DOUBLE, 1)
DW_PIXEL(dw_pixel_s, FARM_RQ_SINGLE, 0)
DW_PIXEL(dw_pixel_ss, FARM_RQ_SINGLE, 1)

/* Depthwise with multiplier 1, a multiple of 4 channels and dilation 1 in x (the DS-CNN case):
 * one call per output pixel. */
static void depthwise_pixels(const farm_op_t *op)
{
    const int32_t *p = op->p;
    const int32_t n = p[0], in_h = p[1], in_w = p[2], in_c = p[3], out_h = p[4], out_w = p[5];
    const int32_t k_h = p[8], k_w = p[9], s_h = p[10], s_w = p[11];
    const int32_t d_h = p[12], d_w = p[13], pad_h = p[14], pad_w = p[15];
    const dw_layer_t l = {(const int32_t *)op->c[1], (const int32_t *)op->c[2],
                          (const int32_t *)op->c[3], in_c, d_h * in_w * in_c, k_w * in_c,
                          p[17], p[18], p[19]};
    const int sat8 = l.act_min <= -128 && l.act_max >= 127;
    const int mode = farm_rq_mode(op, p[20]);
    const dw_pixel_fn px = mode == FARM_RQ_FAST     ? (sat8 ? dw_pixel_fs : dw_pixel_f)
                           : mode == FARM_RQ_SINGLE ? (sat8 ? dw_pixel_ss : dw_pixel_s)
                                                    : (sat8 ? dw_pixel_ds : dw_pixel_d);
    const int8_t *w = (const int8_t *)op->c[0];
    int8_t *o = op->t[op->n_t - 1];
    for (int32_t b = 0; b < n; b++) {
        const int8_t *in = op->t[0] + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; oy++) {
            const int32_t y0 = oy * s_h - pad_h;
            const taps_t ty = in_bounds(y0, k_h, d_h, in_h);
            for (int32_t ox = 0; ox < out_w; ox++, o += in_c) {
                const int32_t x0 = ox * s_w - pad_w;
                const taps_t tx = in_bounds(x0, k_w, d_w, in_w);
                const int full = ty.lo == 0 && ty.hi == k_h && tx.lo == 0 && tx.hi == k_w;
                const int8_t *x = in + ((y0 + ty.lo * d_h) * in_w + x0 + tx.lo * d_w) * in_c;
                const int8_t *wt = w + (ty.lo * k_w + tx.lo) * in_c;
                /* A partial window uses the raw bias and adds the input offset per tap. */
                px(&l, x, wt, ty.hi - ty.lo, tx.hi - tx.lo, full ? 0 : p[16], full, o);
            }
        }
    }
}

#endif /* FARM_USE_DSP */

static inline __attribute__((always_inline)) void depthwise_impl(const farm_op_t *op,
                                                                 const int mode)
{
    const int32_t *p = op->p;
    const int32_t n = p[0], in_h = p[1], in_w = p[2], in_c = p[3], out_h = p[4], out_w = p[5];
    const int32_t out_c = p[6], dm = p[7], k_h = p[8], k_w = p[9], s_h = p[10], s_w = p[11];
    const int32_t d_h = p[12], d_w = p[13], pad_h = p[14], pad_w = p[15], in_off = p[16];
    const int32_t out_off = p[17], act_min = p[18], act_max = p[19];
    const int8_t *w = (const int8_t *)op->c[0];
    const int32_t *bias = (const int32_t *)op->c[1], *folded = (const int32_t *)op->c[2];
    const int32_t *rq = (const int32_t *)op->c[3];
    int8_t *o = op->t[op->n_t - 1];
    const int32_t x_step = d_w * in_c, x_row = d_h * in_w * in_c, w_row = k_w * out_c;
    for (int32_t b = 0; b < n; b++) {
        const int8_t *in = op->t[0] + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; oy++) {
            const int32_t y0 = oy * s_h - pad_h;
            const taps_t ty = in_bounds(y0, k_h, d_h, in_h);
            for (int32_t ox = 0; ox < out_w; ox++, o += out_c) {
                const int32_t x0 = ox * s_w - pad_w;
                const taps_t tx = in_bounds(x0, k_w, d_w, in_w);
                const int full = ty.lo == 0 && ty.hi == k_h && tx.lo == 0 && tx.hi == k_w;
                const int32_t off = full ? 0 : in_off;
                const int32_t *b0 = full ? folded : bias;
                const int8_t *x = in + ((y0 + ty.lo * d_h) * in_w + x0 + tx.lo * d_w) * in_c;
                const int8_t *wt = w + (ty.lo * k_w + tx.lo) * out_c;
                const int32_t n_y = ty.hi - ty.lo, n_x = tx.hi - tx.lo;
                int32_t oc = 0;
                if (dm == 1) {
                    for (; oc + 3 < out_c; oc += 4) {
                        int32_t acc[4] = {b0[oc], b0[oc + 1], b0[oc + 2], b0[oc + 3]};
                        dw_block4(x + oc, wt + oc, in_c, n_y, n_x, x_step, x_row, w_row, off, acc);
                        for (int32_t j = 0; j < 4; j++) {
                            const int32_t v = farm_rq_apply(acc[j], rq + (oc + j) * FARM_RQ_WORDS, mode);
                            o[oc + j] = farm_clamp8(v + out_off, act_min, act_max);
                        }
                    }
                }
                for (; oc < out_c; oc++) {
                    const int32_t ic = oc / dm;
                    int32_t acc = b0[oc];
                    for (int32_t ky = 0; ky < n_y; ky++) {
                        for (int32_t kx = 0; kx < n_x; kx++) {
                            acc += ((int32_t)x[ky * x_row + kx * x_step + ic] + off) *
                                   wt[ky * w_row + kx * out_c + oc];
                        }
                    }
                    o[oc] = farm_clamp8(farm_rq_apply(acc, rq + oc * FARM_RQ_WORDS, mode) + out_off,
                                        act_min, act_max);
                }
            }
        }
    }
}

void farm_k_depthwise(const farm_op_t *op)
{
#if FARM_USE_DSP
    const int32_t *p = op->p;
    if (p[7] == 1 && p[3] % 4 == 0 && p[13] == 1) {
        depthwise_pixels(op);
        return;
    }
#endif
    /* Three instantiations: the requantization mode is a constant inside the loops. */
    const int mode = farm_rq_mode(op, op->p[20]);
    if (mode == FARM_RQ_FAST) {
        depthwise_impl(op, FARM_RQ_FAST);
    } else if (mode == FARM_RQ_SINGLE) {
        depthwise_impl(op, FARM_RQ_SINGLE);
    } else {
        depthwise_impl(op, FARM_RQ_DOUBLE);
    }
}
