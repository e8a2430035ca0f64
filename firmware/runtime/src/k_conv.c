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

/* The padding counterpart of farm_copy_short. */
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
            farm_copy_short(dst, row + x0 * in_c, row_bytes);
            continue;
        }
        for (int32_t kx = 0; kx < k_w; kx++) {
            const int32_t ix = x0 + kx * d_w;
            if (ix < 0 || ix >= in_w) {
                fill_row(dst + kx * in_c, pad, in_c);
            } else {
                farm_copy_short(dst + kx * in_c, row + ix * in_c, in_c);
            }
        }
    }
}

#if FARM_USE_DSP && FARM_TRIPLE_WX_WORDS > 0
/* Every output pixel pair or triple reads all the filters again. From flash, a bank larger than
 * the flash accelerator's data cache (256 B on the L4/L4+/G4) pays the wait states on every
 * pass (5 per 64-bit word on the L4R5 at 120 MHz); a copy on the stack, made once per layer,
 * does not. A bank larger than the copy goes in slices of output channels, each slice's
 * windows read again. 7 KB: the general path's deepest chain below it (conv_windows, then
 * direct_triple_sat8, or windows_matmul and row_triples_sat8) is about 6.3 KB, which leaves
 * about 2 KB of a 16 KB stack; the build's stack depth check (farm/build/stack_depth.py) holds
 * it to that. Gathered windows go to farm_matmul_few, which never takes the 11 KB tiles. */
#define CONV_COPY_WORDS 1792
#define CONV_COPY_MIN_BYTES 256
#define CONV_SLICE_MAX_C 128 /* windows_matmul's buffer: three rows of a slice */
#endif

/* farm_matmul of `rows` gathered windows for the n_c channels of a slice (its filters at w, q
 * for its channels) of out_c; out: the first window's output of the slice's first channel. */
static __attribute__((noinline)) void windows_matmul(const int8_t *patch, int32_t rows,
                                                     int32_t depth, const int8_t *w, int32_t n_c,
                                                     int32_t out_c, const farm_rq_t *q,
                                                     int8_t *out)
{
#if defined(CONV_SLICE_MAX_C)
    if (n_c < out_c) {
        int8_t slice[3 * CONV_SLICE_MAX_C];
        farm_matmul_few(patch, rows, depth, w, n_c, q, slice);
        for (int32_t r = 0; r < rows; r++) {
            farm_copy_short(out + r * out_c, slice + r * n_c, n_c);
        }
        return;
    }
#else
    (void)out_c; /* no slices: n_c is out_c */
#endif
    farm_matmul_few(patch, rows, depth, w, n_c, q, out);
}

/* CONV_2D by output pixel windows (farm_k_conv's general path) for the output channels
 * [c0, c0 + n_c), their filters read from w. */
static __attribute__((noinline)) void conv_windows(const farm_op_t *op, const int8_t *w,
                                                   int32_t c0, int32_t n_c)
{
    const int32_t *p = op->p;
    const int32_t n = p[0], in_h = p[1], in_w = p[2], in_c = p[3], out_h = p[4], out_w = p[5];
    const int32_t out_c = p[6], k_h = p[7], k_w = p[8], s_h = p[9], s_w = p[10], d_h = p[11];
    const int32_t d_w = p[12], pad_h = p[13], pad_w = p[14], in_off = p[15];
    int32_t window_rows = p[19] == 1 ? 1 : 2; /* pixels per gather (scratch size) */
    const farm_rq_t q = {(const int32_t *)op->c[1] + c0,
                         (const int32_t *)op->c[2] + c0 * FARM_RQ_WORDS,
                         p[16],
                         p[17],
                         p[18],
                         farm_rq_mode(op, p[20])};
    int8_t *patch = op->t[1];
    int8_t *out = op->t[op->n_t - 1] + c0;
    const int32_t depth = k_h * k_w * in_c;
    const int8_t pad = (int8_t)(-in_off);
    /* Two output pixels at a time (one when the compiler found that a smaller scratch shrinks
     * the arena): their windows (padded with the input zero point, which the
     * folded bias cancels exactly) are two rows of a matrix product with all the filters.
     * On DSP cores, two neighbours whose windows lie inside the input are read from it
     * directly instead (farm_conv_pair: no gather, and no scratch, so the 2x2 kernel also
     * runs where the compiler planned one window). */
#if FARM_USE_DSP
    const int direct = q.mode == FARM_RQ_FAST && in_c % 4 == 0 && d_w == 1;
#else
    const int direct = 0;
#endif
    const farm_conv_pair_t g = {&q, w, n_c, k_h, k_w * in_c, d_h * in_w * in_c, s_w * in_c,
                                out_c};
    const int takes_triples = farm_takes_triples(&q, depth, n_c);
    const int triples = direct && takes_triples;
#if FARM_USE_DSP && FARM_ROW_TRIPLE_MAX_DEPTH > 0
    /* Where farm_matmul takes three rows at a time, windows are gathered three at a time into
     * the stack instead of the arena's scratch. */
    int32_t gather3[3 * FARM_ROW_TRIPLE_MAX_DEPTH / 4];
    if (takes_triples) {
        patch = (int8_t *)gather3;
        window_rows = 3;
    }
#endif
    /* Output columns whose windows lie inside the input horizontally. */
    int32_t ix_lo = 0, ix_hi = out_w;
    while (ix_lo < out_w && ix_lo * s_w - pad_w < 0) {
        ix_lo++;
    }
    while (ix_hi > ix_lo && (ix_hi - 1) * s_w - pad_w + (k_w - 1) * d_w >= in_w) {
        ix_hi--;
    }
    int32_t rows = 0, first = 0; /* gathered windows waiting, and the first one's pixel */
    for (int32_t b = 0; b < n; b++) {
        const int8_t *img = op->t[0] + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; oy++) {
            const int32_t y0 = oy * s_h - pad_h;
            const int inside = direct && y0 >= 0 && y0 + (k_h - 1) * d_h < in_h;
            const int32_t px_row = (b * out_h + oy) * out_w;
            for (int32_t ox = 0; ox < out_w;) {
                const int32_t x0 = ox * s_w - pad_w;
                if (inside && ox >= ix_lo && ox + 1 < ix_hi) {
                    if (rows > 0) {
                        windows_matmul(patch, rows, depth, w, n_c, out_c, &q,
                                       out + first * out_c);
                        rows = 0;
                    }
                    const int8_t *x = img + (y0 * in_w + x0) * in_c;
                    int8_t *o = out + (px_row + ox) * out_c;
                    if (triples && ox + 2 < ix_hi) {
                        farm_conv_triple(&g, x, o);
                        ox += 3;
                    } else {
                        farm_conv_pair(&g, x, o);
                        ox += 2;
                    }
                    continue;
                }
                gather(img, in_h, in_w, in_c, y0, x0, k_h, k_w, d_h, d_w, pad, patch + rows * depth);
                if (rows++ == 0) {
                    first = px_row + ox;
                }
                if (rows == window_rows) {
                    windows_matmul(patch, rows, depth, w, n_c, out_c, &q, out + first * out_c);
                    rows = 0;
                }
                ox++;
            }
        }
    }
    if (rows > 0) {
        windows_matmul(patch, rows, depth, w, n_c, out_c, &q, out + first * out_c);
    }
}

#if defined(CONV_COPY_WORDS)
/* conv_windows over copies of the filters: all of them, or slices of output channels. */
static __attribute__((noinline)) void conv_windows_from_copy(const farm_op_t *op, int32_t depth)
{
    int32_t copy[CONV_COPY_WORDS];
    const int32_t out_c = op->p[6];
    int32_t slice = (4 * CONV_COPY_WORDS / depth) & ~1; /* at least 2: farm_k_conv checked */
    if (slice > CONV_SLICE_MAX_C) {
        slice = CONV_SLICE_MAX_C;
    }
    for (int32_t c0 = 0; c0 < out_c; c0 += slice) {
        const int32_t n_c = out_c - c0 < slice ? out_c - c0 : slice;
        farm_copy_short((int8_t *)copy, (const int8_t *)op->c[0] + c0 * depth, n_c * depth);
        conv_windows(op, (const int8_t *)copy, c0, n_c);
    }
}
#endif

void farm_k_conv(const farm_op_t *op)
{
    /* The general path in its own frame: its 3-window gather buffer (2 KB of stack) is not
     * held while the first-layer path hands farm_matmul a tile (11 KB more). */
    if (farm_conv_first(op)) {
        return;
    }
    const int32_t out_c = op->p[6];
#if defined(CONV_COPY_WORDS)
    const int32_t depth = op->p[7] * op->p[8] * op->p[3];
    /* About three slices at most: beyond, reading the windows again costs more than the stalls it
     * saves (by the twins' cycle model, ResNet-8's 64x576 bank in six slices lost 1.3 ms). */
    const int copies = out_c * depth > CONV_COPY_MIN_BYTES &&
                       out_c * depth <= 3 * 4 * CONV_COPY_WORDS && 2 * depth <= 4 * CONV_COPY_WORDS;
    /* Packed tiles where they pay against the path below, whose filter reads from flash miss
     * the accelerator's data cache unless copied. */
    if (farm_conv_tiled(op, copies ? 0 : FARM_FLASH_STALL_PER_BLOCK)) {
        return;
    }
    if (copies) {
        conv_windows_from_copy(op, depth);
        return;
    }
#endif
    conv_windows(op, (const int8_t *)op->c[0], 0, out_c);
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
/* The other two modes with the general clamp only (as farm_matmul). */
DW_PIXEL(dw_pixel_d, FARM_RQ_DOUBLE, 0)
DW_PIXEL(dw_pixel_s, FARM_RQ_SINGLE, 0)

/* 3x3 depthwise (multiplier 1, dilation 1, horizontal padding at most 1, fast requantization),
 * four channels at a time over the output rows whose windows lie inside the image vertically
 * (the first and last rows, usually one each, go through depthwise_pixels).
 *
 * Per group of four channels the nine weights are repacked, on the stack, into int16 pairs of
 * two taps of one channel, so SMLAD does two taps per instruction: taps (0,1), (2,3), (4,5),
 * (6,7) of channel c as {w[p], w[q]}, and the ninth tap as SXTB16 halves for SMLABB/SMLATT.
 * The input words of two taps are split with SXTB16 and re-paired with PKHBT/PKHTB to match.
 *
 * A pixel at the left or right border reads the 3x3 window moved inside the image by dx = -1 or
 * 1 columns, with the weights moved the other way and zero where a tap falls outside; its bias
 * holds the input offset times the weights of the taps that remain. So all three column classes
 * run the same straight-line code and TFLite's "skip the padded taps" is reproduced exactly. The group's
 * requantization records are copied next to the weights, with the output offset folded into
 * the rounding term, so the pixel loop reads nothing from flash. */
typedef struct {
    int32_t w[18];   /* pairs 0..3: {c0, c2, c1, c3} at 4 words each; tap 8: {c0|c2, c1|c3} */
    int32_t x_row;   /* bytes from one input row to the next (at byte 72: the asm reads it) */
    int32_t bias[4]; /* bias + input offset x the weights of the taps inside the image */
    /* The group's fast requantization by step, each for channels 0..3 (at byte 92: the asm
     * loads each step's four words with one LDM): left shift L, multiplier, rounding term
     * with the output offset folded in, right shift R. */
    int32_t rq_l[4], rq_m[4], rq_add[4], rq_r[4];
    int32_t lo4, hi4; /* act_min, act_max in each byte (at byte 156) */
} dw3_taps_t;

/* Widest input whose rows dw3_rows copies into a strip for the rows at the top and bottom
 * border (3 rows of 4 bytes per pixel on the stack: 288 B, dw3_rows' frame 1136 B; at 48
 * VWW's 48-wide layers ran 0.3 % faster for 288 B more stack). */
#define DW3_STRIP_MAX_W 24

/* Fewest output pixels for which dw3_rows pays for its packing (measured on the M4 twin: a
 * 3x3 layer's one inner row of 3 pixels costs more than pixel by pixel, 4 rows of 6 less). */
#define DW3_MIN_PIXELS 8

/* The taps of four channels (weights at w, 1HWO with c channels) for column shift dx: the
 * weight words of the nine taps (zero where the moved window has no kernel column) split and
 * paired exactly like the input words in dw3_macs. */
/* dx is a constant in each of the three instantiations (dw3_pack) and the tap loop is
 * unrolled: which taps are zero is known at compile time, no loop or test runs (a generic
 * version cost 330 instructions a call, a channel group packs up to three). */
static inline __attribute__((always_inline)) void dw3_pack_dx(dw3_taps_t *g, const int8_t *w,
                                                              int32_t c, const int32_t *bias,
                                                              int32_t in_off, int32_t x_row,
                                                              const int32_t dx)
{
    int32_t e[9], o[9];
    int32_t sum_e = 0, sum_o = 0; /* per channel, int16 halves: |9 x 128| fits */
#pragma GCC unroll 9
    for (int32_t t = 0; t < 9; t++) {
        const int32_t src = t % 3 - dx; /* the kernel column this tap reads */
        if (src >= 0 && src < 3) {
            const int32_t word = farm_ld32(w + (t - dx) * c);
            e[t] = FARM_SXTB16(word);
            o[t] = FARM_SXTB16_ROR8(word);
            sum_e = FARM_SADD16(sum_e, e[t]);
            sum_o = FARM_SADD16(sum_o, o[t]);
        } else {
            e[t] = 0;
            o[t] = 0;
        }
    }
    for (int32_t i = 0; i < 4; i++) {
        g->w[4 * i] = FARM_PKHBT16(e[2 * i], e[2 * i + 1]);
        g->w[4 * i + 1] = FARM_PKHTB16(e[2 * i + 1], e[2 * i]);
        g->w[4 * i + 2] = FARM_PKHBT16(o[2 * i], o[2 * i + 1]);
        g->w[4 * i + 3] = FARM_PKHTB16(o[2 * i + 1], o[2 * i]);
    }
    g->w[16] = e[8];
    g->w[17] = o[8];
    g->x_row = x_row;
    const int32_t sums[4] = {(int16_t)(uint16_t)((uint32_t)sum_e & 0xFFFFu),
                             (int16_t)(uint16_t)((uint32_t)sum_o & 0xFFFFu),
                             (int16_t)(uint16_t)((uint32_t)sum_e >> 16),
                             (int16_t)(uint16_t)((uint32_t)sum_o >> 16)};
    for (int32_t ch = 0; ch < 4; ch++) {
        g->bias[ch] = (int32_t)((uint32_t)bias[ch] + (uint32_t)in_off * (uint32_t)sums[ch]);
    }
}

static void dw3_pack(dw3_taps_t *g, const int8_t *w, int32_t c, const int32_t *bias, int32_t in_off,
                     int32_t x_row, int32_t dx)
{
    if (dx < 0) {
        dw3_pack_dx(g, w, c, bias, in_off, x_row, -1);
    } else if (dx == 0) {
        dw3_pack_dx(g, w, c, bias, in_off, x_row, 0);
    } else {
        dw3_pack_dx(g, w, c, bias, in_off, x_row, 1);
    }
}

/* The 36 MACs of one pixel and four channels into acc (which holds the bias). */
static inline __attribute__((always_inline)) void dw3_macs(const int8_t *x, int32_t c,
                                                           const dw3_taps_t *g, int32_t acc[4])
{
#if FARM_ASM_KERNELS
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    int32_t x1, x2, t3, t4, t5, t6;
    /* Two taps at LD_P and LD_Q (MID between the loads: a row step), weights at byte K:
     * 16 instructions, 8 MACs. */
#define DW3_PAIR(LD_P, MID, LD_Q, K)                                                              \
    "ldr %[x1], " LD_P "\n\t" MID "ldr %[x2], " LD_Q "\n\t"                                       \
    "sxtb16 %[t3], %[x1], ror #8\n\t"                                                            \
    "sxtb16 %[x1], %[x1]\n\t"                                                                    \
    "sxtb16 %[t4], %[x2], ror #8\n\t"                                                            \
    "sxtb16 %[x2], %[x2]\n\t"                                                                    \
    "pkhbt %[t5], %[x1], %[x2], lsl #16\n\t"                                                     \
    "pkhtb %[x1], %[x2], %[x1], asr #16\n\t"                                                     \
    "ldrd %[x2], %[t6], [%[g], #" K "]\n\t"                                                      \
    "smlad %[a0], %[t5], %[x2], %[a0]\n\t"                                                       \
    "smlad %[a2], %[x1], %[t6], %[a2]\n\t"                                                       \
    "pkhbt %[t5], %[t3], %[t4], lsl #16\n\t"                                                     \
    "pkhtb %[t3], %[t4], %[t3], asr #16\n\t"                                                     \
    "ldrd %[x2], %[t6], [%[g], #" K " + 8]\n\t"                                                  \
    "smlad %[a1], %[t5], %[x2], %[a1]\n\t"                                                       \
    "smlad %[a3], %[t3], %[t6], %[a3]\n\t"
#define DW3_NEXT_ROW "ldr %[t6], [%[g], #72]\n\tadd %[xp], %[xp], %[t6]\n\t"
    const int8_t *xp = x;
    __asm__(DW3_PAIR("[%[xp]]", "", "[%[xp], %[c]]", "0")
            DW3_PAIR("[%[xp], %[c], lsl #1]", DW3_NEXT_ROW, "[%[xp]]", "16")
            DW3_PAIR("[%[xp], %[c]]", "", "[%[xp], %[c], lsl #1]", "32")
            DW3_NEXT_ROW
            DW3_PAIR("[%[xp]]", "", "[%[xp], %[c]]", "48")
            "ldr %[x1], [%[xp], %[c], lsl #1]\n\t"
            "ldrd %[x2], %[t6], [%[g], #64]\n\t"
            "sxtb16 %[t3], %[x1], ror #8\n\t"
            "sxtb16 %[x1], %[x1]\n\t"
            "smlabb %[a0], %[x1], %[x2], %[a0]\n\t"
            "smlatt %[a2], %[x1], %[x2], %[a2]\n\t"
            "smlabb %[a1], %[t3], %[t6], %[a1]\n\t"
            "smlatt %[a3], %[t3], %[t6], %[a3]\n\t"
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xp] "+r"(xp),
              [x1] "=&r"(x1), [x2] "=&r"(x2), [t3] "=&r"(t3), [t4] "=&r"(t4), [t5] "=&r"(t5),
              [t6] "=&r"(t6)
            : [c] "r"(c), [g] "r"(g)
            : "memory");
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
#else
    /* The same pairing with the portable instruction models (host check of the packing). */
    int32_t a[4] = {acc[0], acc[1], acc[2], acc[3]};
    const int8_t *row = x;
    int32_t tap_words[9];
    for (int32_t t = 0; t < 9; t++) {
        if (t == 3 || t == 6) {
            row += g->x_row;
        }
        tap_words[t] = farm_ld32(row + (t % 3) * c);
    }
    for (int32_t i = 0; i < 4; i++) {
        const int32_t xp = tap_words[2 * i], xq = tap_words[2 * i + 1];
        const int32_t ep = FARM_SXTB16(xp), op = FARM_SXTB16_ROR8(xp);
        const int32_t eq = FARM_SXTB16(xq), oq = FARM_SXTB16_ROR8(xq);
        a[0] = FARM_SMLAD(FARM_PKHBT16(ep, eq), g->w[4 * i], a[0]);
        a[2] = FARM_SMLAD(FARM_PKHTB16(eq, ep), g->w[4 * i + 1], a[2]);
        a[1] = FARM_SMLAD(FARM_PKHBT16(op, oq), g->w[4 * i + 2], a[1]);
        a[3] = FARM_SMLAD(FARM_PKHTB16(oq, op), g->w[4 * i + 3], a[3]);
    }
    const int32_t e8 = FARM_SXTB16(tap_words[8]), o8 = FARM_SXTB16_ROR8(tap_words[8]);
    a[0] = FARM_SMLABB(e8, g->w[16], a[0]);
    a[2] = FARM_SMLATT(e8, g->w[16], a[2]);
    a[1] = FARM_SMLABB(o8, g->w[17], a[1]);
    a[3] = FARM_SMLATT(o8, g->w[17], a[3]);
    acc[0] = a[0];
    acc[1] = a[1];
    acc[2] = a[2];
    acc[3] = a[3];
#endif
}

/* One channel of the fast requantization, r = {multiplier, L, 2^(R-1) + (out_off << R), R},
 * clamped (one SSAT when the activation range is all of int8). */
static inline __attribute__((always_inline)) int8_t dw3_out(int32_t acc, const int32_t r[4],
                                                            int32_t lo, int32_t hi, const int sat8)
{
    const int32_t y = farm_smmulr((int32_t)((uint32_t)acc << r[1]), r[0]);
    const int32_t v = (y + r[2] + (y >> 31)) >> r[3];
    return (int8_t)(sat8 ? FARM_SSAT8(v) : farm_clamp8(v, lo, hi));
}

/* The shift that moves a 3-tap window starting at `origin` inside [0, size): -1, 0 or 1 where
 * dw3_applies holds. */
static inline int32_t dw3_shift(int32_t origin, int32_t size)
{
    return origin < 0 ? origin : origin + 3 > size ? origin + 3 - size : 0;
}

/* First and one-past-last output row or column whose 3-tap window (stride s, padding pad) lies inside
 * [0, size): possibly empty. */
static taps_t dw3_inside(int32_t out_size, int32_t s, int32_t pad, int32_t size)
{
    taps_t r = {0, out_size};
    while (r.lo < out_size && r.lo * s - pad < 0) {
        r.lo++;
    }
    while (r.hi > r.lo && (r.hi - 1) * s - pad + 3 > size) {
        r.hi--;
    }
    return r;
}

#if FARM_ASM_KERNELS
/* One pixel, four channels: the MACs of dw3_macs, then the requantization of all four with
 * the records in g (four words per LDM), saturated to int8 (SSAT), packed into one word
 * (BFI) and, unless `sat8`, clamped to the activation range bytewise (SSUB8 sets the GE flags
 * per byte, SEL picks: max, then min). Returns the word of the four output bytes. Explicit
 * registers: LDM needs its list in ascending order; all 13 free ones are used. */
static inline __attribute__((always_inline)) int32_t dw3_pixel(const int8_t *x, int32_t c,
                                                               const dw3_taps_t *g,
                                                               const int sat8, const int l1)
{
    register int32_t a0 __asm__("r0");
    register int32_t a1 __asm__("r1");
    register int32_t a2 __asm__("r2");
    register int32_t a3 __asm__("r3");
    register int32_t x1 __asm__("r4");
    register int32_t x2 __asm__("r5");
    register int32_t t3 __asm__("r6");
    register int32_t t4 __asm__("r8");
    register int32_t t5 __asm__("r9");
    register int32_t t6 __asm__("r12");
    register const int8_t *xp __asm__("r10") = x;
    register const dw3_taps_t *gp __asm__("r11") = g;
    register int32_t cc __asm__("lr") = c;
    _Static_assert(__builtin_offsetof(dw3_taps_t, bias) == 76, "dw3_pixel's bias offset");
    _Static_assert(__builtin_offsetof(dw3_taps_t, rq_l) == 92, "dw3_pixel's record offset");
    _Static_assert(__builtin_offsetof(dw3_taps_t, lo4) == 156, "dw3_pixel's clamp offset");
#define DW3_MACS                                                                                   \
    "ldrd %[a0], %[a1], [%[g], #76]\n\t"                                                          \
    "ldrd %[a2], %[a3], [%[g], #84]\n\t"                                                          \
    DW3_PAIR("[%[xp]]", "", "[%[xp], %[c]]", "0")                                                  \
    DW3_PAIR("[%[xp], %[c], lsl #1]", DW3_NEXT_ROW, "[%[xp]]", "16")                               \
    DW3_PAIR("[%[xp], %[c]]", "", "[%[xp], %[c], lsl #1]", "32")                                   \
    DW3_NEXT_ROW                                                                                   \
    DW3_PAIR("[%[xp]]", "", "[%[xp], %[c]]", "48")                                                 \
    "ldr %[x1], [%[xp], %[c], lsl #1]\n\t"                                                        \
    "ldrd %[x2], %[t6], [%[g], #64]\n\t"                                                          \
    "sxtb16 %[t3], %[x1], ror #8\n\t"                                                             \
    "sxtb16 %[x1], %[x1]\n\t"                                                                     \
    "smlabb %[a0], %[x1], %[x2], %[a0]\n\t"                                                       \
    "smlatt %[a2], %[x1], %[x2], %[a2]\n\t"                                                       \
    "smlabb %[a1], %[t3], %[t6], %[a1]\n\t"                                                       \
    "smlatt %[a3], %[t3], %[t6], %[a3]\n\t"
#define DW3_RQ_STEP(OP)                                                                            \
    "ldm %[x1]!, {%[x2], %[t3], %[t4], %[t5]}\n\t"                                                \
    OP " %[a0], %[a0], %[x2]\n\t"                                                                 \
    OP " %[a1], %[a1], %[t3]\n\t"                                                                 \
    OP " %[a2], %[a2], %[t4]\n\t"                                                                 \
    OP " %[a3], %[a3], %[t5]\n\t"
/* L = 1 in every channel (so far every zoo depthwise layer): an immediate shift, one LDM less. */
#define DW3_RQ_SHIFT_RECORDS                                                                       \
    "add %[x1], %[g], #92\n\t"                                                                    \
    DW3_RQ_STEP("lsl")
#define DW3_RQ_SHIFT_1                                                                             \
    "add %[x1], %[g], #108\n\t"                                                                   \
    "lsl %[a0], %[a0], #1\n\t"                                                                    \
    "lsl %[a1], %[a1], #1\n\t"                                                                    \
    "lsl %[a2], %[a2], #1\n\t"                                                                    \
    "lsl %[a3], %[a3], #1\n\t"
#define DW3_REQUANT                                                                                \
    DW3_RQ_STEP("smmulr")                                                                          \
    "ldm %[x1]!, {%[x2], %[t3], %[t4], %[t5]}\n\t"                                                \
    "add %[x2], %[x2], %[a0], asr #31\n\t"                                                        \
    "add %[t3], %[t3], %[a1], asr #31\n\t"                                                        \
    "add %[t4], %[t4], %[a2], asr #31\n\t"                                                        \
    "add %[t5], %[t5], %[a3], asr #31\n\t"                                                        \
    "add %[a0], %[a0], %[x2]\n\t"                                                                 \
    "add %[a1], %[a1], %[t3]\n\t"                                                                 \
    "add %[a2], %[a2], %[t4]\n\t"                                                                 \
    "add %[a3], %[a3], %[t5]\n\t"                                                                 \
    DW3_RQ_STEP("asr")                                                                             \
    "ssat %[a0], #8, %[a0]\n\t"                                                                   \
    "ssat %[a1], #8, %[a1]\n\t"                                                                   \
    "ssat %[a2], #8, %[a2]\n\t"                                                                   \
    "ssat %[a3], #8, %[a3]\n\t"                                                                   \
    "bfi %[a0], %[a1], #8, #8\n\t"                                                                \
    "bfi %[a0], %[a2], #16, #8\n\t"                                                               \
    "bfi %[a0], %[a3], #24, #8\n\t"
#define DW3_CLAMP                                                                                  \
    "ldrd %[x2], %[t3], [%[g], #156]\n\t"                                                         \
    "ssub8 %[t4], %[a0], %[x2]\n\t"                                                               \
    "sel %[a0], %[a0], %[x2]\n\t"                                                                 \
    "ssub8 %[t4], %[t3], %[a0]\n\t"                                                               \
    "sel %[a0], %[a0], %[t3]\n\t"
#define DW3_OPERANDS                                                                               \
    : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [xp] "+r"(xp),              \
      [x1] "=&r"(x1), [x2] "=&r"(x2), [t3] "=&r"(t3), [t4] "=&r"(t4), [t5] "=&r"(t5),             \
      [t6] "=&r"(t6)                                                                               \
    : [c] "r"(cc), [g] "r"(gp)                                                                     \
    : "cc", "memory"
    if (sat8 && l1) {
        __asm__(DW3_MACS DW3_RQ_SHIFT_1 DW3_REQUANT DW3_OPERANDS);
    } else if (sat8) {
        __asm__(DW3_MACS DW3_RQ_SHIFT_RECORDS DW3_REQUANT DW3_OPERANDS);
    } else if (l1) {
        __asm__(DW3_MACS DW3_RQ_SHIFT_1 DW3_REQUANT DW3_CLAMP DW3_OPERANDS);
    } else {
        __asm__(DW3_MACS DW3_RQ_SHIFT_RECORDS DW3_REQUANT DW3_CLAMP DW3_OPERANDS);
    }
#undef DW3_MACS
#undef DW3_RQ_STEP
#undef DW3_REQUANT
#undef DW3_RQ_SHIFT_1
#undef DW3_RQ_SHIFT_RECORDS
#undef DW3_CLAMP
#undef DW3_OPERANDS
    return a0;
}
#endif
#undef DW3_PAIR
#undef DW3_NEXT_ROW

/* `count` output pixels of one row and four channels, all with the same column shift (taps g):
 * windows at x, x + x_step, ...; outputs at o, o + o_step, .... */
static inline __attribute__((always_inline)) void dw3_run(const int8_t *x, int32_t c, int8_t *o, int32_t count, int32_t x_step,
                                                          int32_t o_step, const dw3_taps_t *g,
                                                          const int32_t r[4][4], int32_t act_min,
                                                          int32_t act_max, const int sat8,
                                                          const int l1)
{
    for (int32_t i = 0; i < count; i++, x += x_step, o += o_step) {
#if FARM_ASM_KERNELS
        (void)r;
        (void)act_min;
        (void)act_max;
        farm_st32(o, dw3_pixel(x, c, g, sat8, l1));
#else
        (void)l1;
        int32_t acc[4] = {g->bias[0], g->bias[1], g->bias[2], g->bias[3]};
        dw3_macs(x, c, g, acc);
        /* One word store (little-endian, as every target) instead of four byte stores. */
        const uint32_t b0 = (uint8_t)dw3_out(acc[0], r[0], act_min, act_max, sat8);
        const uint32_t b1 = (uint8_t)dw3_out(acc[1], r[1], act_min, act_max, sat8);
        const uint32_t b2 = (uint8_t)dw3_out(acc[2], r[2], act_min, act_max, sat8);
        const uint32_t b3 = (uint8_t)dw3_out(acc[3], r[3], act_min, act_max, sat8);
        farm_st32(o, (int32_t)(b0 | b1 << 8 | b2 << 16 | b3 << 24));
#endif
    }
}

/* The three input rows of a window starting at row y0, four channels (at in, c apart) per
 * pixel, one word each, into strip (3 x in_w words); a row outside the image holds the input
 * zero point, which the folded bias cancels exactly (TFLite skips those taps). */
static void dw3_strip(int32_t *strip, const int8_t *in, int32_t c, int32_t in_w, int32_t in_h,
                      int32_t y0, int32_t pad_word)
{
    for (int32_t r = 0; r < 3; r++, strip += in_w) {
        const int32_t iy = y0 + r;
        if (iy < 0 || iy >= in_h) {
            for (int32_t x = 0; x < in_w; x++) {
                strip[x] = pad_word;
            }
            continue;
        }
        const int8_t *src = in + iy * in_w * c;
        for (int32_t x = 0; x < in_w; x++, src += c) {
            strip[x] = farm_ld32(src);
        }
    }
}

/* Output rows [oy0, oy1). A row whose window sticks out of the image vertically reads a strip
 * of its three input rows (dw3_strip; the image is at most DW3_STRIP_MAX_W wide there). */
static inline __attribute__((always_inline)) void dw3_rows_impl(const farm_op_t *op, int32_t oy0,
                                                                int32_t oy1, const int sat8,
                                                                const int l1)
{
    const int32_t *p = op->p;
    const int32_t n = p[0], in_h = p[1], in_w = p[2], c = p[3], out_h = p[4], out_w = p[5];
    const int32_t s_h = p[10], s_w = p[11], pad_h = p[14], pad_w = p[15], in_off = p[16];
    const int32_t out_off = p[17], act_min = p[18], act_max = p[19];
    const int8_t *w = (const int8_t *)op->c[0];
    const int32_t *bias = (const int32_t *)op->c[1], *rq = (const int32_t *)op->c[3];
    const int32_t x_row = in_w * c;
    dw3_taps_t g[3]; /* the three column shifts, those that occur packed */
    const int32_t dx_lo = dw3_shift(-pad_w, in_w), dx_hi = dw3_shift((out_w - 1) * s_w - pad_w, in_w);
    const taps_t ix = dw3_inside(out_w, s_w, pad_w, in_w); /* the columns with shift 0 */
    const int32_t x_step = s_w * c;
    const int32_t pad_word = (int32_t)(0x01010101u * (uint8_t)(int8_t)(-in_off));
    int32_t strip[3 * DW3_STRIP_MAX_W];
    int32_t r[4][4];
    for (int32_t b = 0; b < n; b++) {
        const int8_t *in = op->t[0] + b * in_h * in_w * c;
        int8_t *out = op->t[op->n_t - 1] + b * out_h * out_w * c;
        for (int32_t oc = 0; oc < c; oc += 4) {
            for (int32_t j = 0; j < 4; j++) {
                const int32_t *src = rq + (oc + j) * FARM_RQ_WORDS;
                r[j][0] = src[0];
                r[j][1] = src[1];
                r[j][2] = farm_rq_fold_offset(src, out_off);
                r[j][3] = src[2];
            }
            for (int32_t dx = dx_lo; dx <= dx_hi; dx++) {
                dw3_taps_t *t = &g[dx + 1];
                dw3_pack(t, w + oc, c, bias + oc, in_off, x_row, dx);
                for (int32_t j = 0; j < 4; j++) {
                    t->rq_l[j] = r[j][1];
                    t->rq_m[j] = r[j][0];
                    t->rq_add[j] = r[j][2];
                    t->rq_r[j] = r[j][3];
                }
                t->lo4 = (int32_t)(0x01010101u * (uint8_t)act_min);
                t->hi4 = (int32_t)(0x01010101u * (uint8_t)act_max);
            }
            for (int32_t oy = oy0; oy < oy1; oy++) {
                const int32_t y0 = oy * s_h - pad_h;
                const int8_t *row = in + y0 * x_row + oc;
                int8_t *o = out + oy * out_w * c + oc;
                int32_t cs = c, xs = x_step; /* the rows read: tap stride, pixel step */
                const int border = y0 < 0 || y0 + 3 > in_h;
                if (border) {
                    dw3_strip(strip, in + oc, c, in_w, in_h, y0, pad_word);
                    row = (const int8_t *)strip;
                    cs = 4;
                    xs = s_w * 4;
                    g[0].x_row = g[1].x_row = g[2].x_row = in_w * 4;
                }
                /* Left border (at most one pixel), the run inside, the right border. */
                dw3_run(row, cs, o, ix.lo, xs, c, &g[0], r, act_min, act_max, sat8, l1);
                dw3_run(row + (ix.lo * s_w - pad_w) * cs, cs, o + ix.lo * c, ix.hi - ix.lo,
                        xs, c, &g[1], r, act_min, act_max, sat8, l1);
                dw3_run(row + (ix.hi * s_w - pad_w - 1) * cs, cs, o + ix.hi * c,
                        out_w - ix.hi, xs, c, &g[2], r, act_min, act_max, sat8, l1);
                if (border) {
                    g[0].x_row = g[1].x_row = g[2].x_row = x_row;
                }
            }
        }
    }
}

static __attribute__((noinline)) void dw3_rows_sat8(const farm_op_t *op, int32_t oy0, int32_t oy1)
{
    dw3_rows_impl(op, oy0, oy1, 1, 0);
}

static __attribute__((noinline)) void dw3_rows_clamp(const farm_op_t *op, int32_t oy0, int32_t oy1)
{
    dw3_rows_impl(op, oy0, oy1, 0, 0);
}

static __attribute__((noinline)) void dw3_rows_sat8_l1(const farm_op_t *op, int32_t oy0,
                                                       int32_t oy1)
{
    dw3_rows_impl(op, oy0, oy1, 1, 1);
}

static __attribute__((noinline)) void dw3_rows_clamp_l1(const farm_op_t *op, int32_t oy0,
                                                        int32_t oy1)
{
    dw3_rows_impl(op, oy0, oy1, 0, 1);
}

/* The rows with the clamp kind and whether every channel's left shift L is 1 constants. */
static void dw3_rows(const farm_op_t *op, int32_t oy0, int32_t oy1)
{
    const int32_t *rq = (const int32_t *)op->c[3];
    int l1 = FARM_ASM_KERNELS; /* the C path reads L from the records anyway */
    for (int32_t ch = 0; ch < op->p[3] && l1; ch++) {
        l1 = rq[ch * FARM_RQ_WORDS + 1] == 1;
    }
    const int sat8 = op->p[18] <= -128 && op->p[19] >= 127;
    if (l1) {
        if (sat8) {
            dw3_rows_sat8_l1(op, oy0, oy1);
        } else {
            dw3_rows_clamp_l1(op, oy0, oy1);
        }
    } else if (sat8) {
        dw3_rows_sat8(op, oy0, oy1);
    } else {
        dw3_rows_clamp(op, oy0, oy1);
    }
}

/* dw3_rows applies: 3x3, dilation 1, an image at least 3 wide whose windows stick out by at
 * most one tap left and right, and fast requantization whose shifts let the output offset be
 * folded. */
static int dw3_applies(const farm_op_t *op)
{
    const int32_t *p = op->p;
    const int32_t in_w = p[2], out_w = p[5];
    if (p[8] != 3 || p[9] != 3 || p[12] != 1 || p[13] != 1 || in_w < 3 || p[15] > 1 ||
        out_w < 1 || (out_w - 1) * p[11] - p[15] + 3 > in_w + 1 ||
        farm_rq_mode(op, p[20]) != FARM_RQ_FAST) {
        return 0;
    }
    return farm_rq_offset_folds((const int32_t *)op->c[3], p[3]);
}

/* Depthwise with multiplier 1, a multiple of 4 channels and dilation 1 in x (the DS-CNN case):
 * one call per output pixel. */
static void depthwise_pixels(const farm_op_t *op, taps_t skip_rows)
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
                           : mode == FARM_RQ_SINGLE ? dw_pixel_s
                                                    : dw_pixel_d;
    const int8_t *w = (const int8_t *)op->c[0];
    int8_t *o = op->t[op->n_t - 1];
    for (int32_t b = 0; b < n; b++) {
        const int8_t *in = op->t[0] + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; oy++) {
            const int32_t y0 = oy * s_h - pad_h;
            const taps_t ty = in_bounds(y0, k_h, d_h, in_h);
            if (oy >= skip_rows.lo && oy < skip_rows.hi) { /* done by dw3_rows */
                o += out_w * in_c;
                continue;
            }
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
#if FARM_DW_PLANES
    if (farm_dw_planes_apply(op)) {
        farm_dw_planes(op);
        return;
    }
#endif
#if FARM_USE_DSP
    const int32_t *p = op->p;
    if (p[7] == 1 && p[3] % 4 == 0 && p[13] == 1) {
        /* dw3_rows: all rows of an image up to DW3_STRIP_MAX_W wide, else the rows whose
         * windows lie inside vertically; the others pixel by pixel. */
        taps_t rows = {0, 0};
        if (dw3_applies(op)) {
            if (p[2] <= DW3_STRIP_MAX_W) {
                rows.hi = p[4];
            } else {
                rows = dw3_inside(p[4], p[10], p[14], p[1]);
            }
            /* Each channel group repacks its taps (up to three column shifts) first: worth it
             * from a few pixels on, not for a 3x3 image's single inner row. */
            if ((rows.hi - rows.lo) * p[5] >= DW3_MIN_PIXELS) {
                dw3_rows(op, rows.lo, rows.hi);
            } else {
                rows.lo = rows.hi = 0;
            }
        }
        depthwise_pixels(op, rows);
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
