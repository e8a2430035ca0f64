/*
 * k_conv_first.c - CONV_2D with one to three input channels: a network's first layer (KWS's
 * 10x4 on the spectrogram, the 3x3 on an RGB image).
 *
 * Its kernel window is short (k_h * k_w * in_c bytes: 40 for a 10x4 on one channel, 27 for a
 * 3x3 on three), and a row of it is only a few bytes, so the generic path's costs sit outside
 * the multiply-accumulates: a window gathered per pixel through a general routine into the
 * arena scratch, and a depth that is rarely a multiple of 4 (27), whose last bytes the 2x2
 * SMLAD kernel does one at a time. Here the two windows of a pixel pair are gathered into a
 * small stack buffer (no arena: the operator's planned scratch stays unused) by straight row
 * copies, each zero-padded to a multiple of 4 bytes. A zero input byte contributes nothing,
 * so the weights may be read in whole words too: the bytes read past a filter's end (at most
 * three) are the next filter's or the constant that follows the weights in the blob (the folded
 * bias), always multiplied by zero. The 2 pixel x 2 channel SMLAD block then runs with no
 * byte tail.
 *
 * Bit-exact with the generic path: the same folded bias, the same products, the same
 * requantization (farm_rq_apply); padded taps hold the input zero point as there.
 */

#include "farm_fixedpoint.h"
#include "farm_kernels.h"
#include "farm_mac_asm.h"
#include "farm_simd.h"

#if FARM_USE_DSP

/* Largest window (bytes) of the first-layer path, and the stride of the two pixel windows in
 * the stack buffer: the assembly reads pixel b's word at a constant offset from pixel a's. */
#define FIRST_MAX_DEPTH 64
/* The first-layer path takes convolutions with at most this many input channels. */
#define FIRST_MAX_IN_C 3

static inline int32_t round_up4(int32_t n) { return (n + 3) & ~3; }

static inline void fill_bytes(int8_t *dst, int8_t v, int32_t n)
{
    for (int32_t i = 0; i < n; i++) {
        dst[i] = v;
    }
}

/* Invariants of the layer for the window gather. */
typedef struct {
    const int8_t *in;
    int32_t in_h, in_w, in_c, k_h, k_w, d_h, d_w, row_bytes, in_row;
    int8_t pad;
} first_layer_t;

/* k_h rows of rb bytes, in_row apart in the input, one after the other into dst: the window of
 * a pixel whose taps all lie inside the image (dilation 1). A row is a few words and a byte
 * tail (4 bytes for a 10x4 on one channel, 8 + 1 for a 3x3 on three), written out for up to
 * three words so a row costs no inner loop. */
static inline __attribute__((always_inline)) void copy_rows(int8_t *dst, const int8_t *src,
                                                            int32_t rows, int32_t rb,
                                                            int32_t in_row)
{
    const int32_t words = rb >> 2, tail = rb & 3;
    for (int32_t r = 0; r < rows; r++, src += in_row, dst += rb) {
        int32_t i = 0;
        if (words <= 3) {
            if (words >= 1) {
                farm_st32(dst, farm_ld32(src));
            }
            if (words >= 2) {
                farm_st32(dst + 4, farm_ld32(src + 4));
            }
            if (words == 3) {
                farm_st32(dst + 8, farm_ld32(src + 8));
            }
            i = words * 4;
        } else {
            for (; i < words * 4; i += 4) {
                farm_st32(dst + i, farm_ld32(src + i));
            }
        }
        for (int32_t t = 0; t < tail; t++) {
            dst[i + t] = src[i + t];
        }
    }
}

/* The window of the output pixel whose top-left tap is (y0, x0) into dst (OHWI order), taps
 * outside the image holding the input zero point. Bytes from depth on are left as they are
 * (zero). */
static void gather_window(const first_layer_t *l, int32_t y0, int32_t x0, int8_t *dst)
{
    const int32_t c = l->in_c, rb = l->row_bytes;
    const int inside_x = l->d_w == 1 && x0 >= 0 && x0 + l->k_w <= l->in_w;
    if (inside_x && l->d_h == 1 && y0 >= 0 && y0 + l->k_h <= l->in_h) {
        const int8_t *src = l->in + (y0 * l->in_w + x0) * c;
        /* The row lengths of the usual first layers as constants: straight-line copies. */
        switch (rb) {
        case 4: /* 4 taps of 1 channel (KWS's 10x4) */
            copy_rows(dst, src, l->k_h, 4, l->in_row);
            break;
        case 9: /* 3 taps of 3 channels (a 3x3 on RGB) */
            copy_rows(dst, src, l->k_h, 9, l->in_row);
            break;
        default:
            copy_rows(dst, src, l->k_h, rb, l->in_row);
            break;
        }
        return;
    }
    /* The kernel columns inside the image are the same for every row: [lo, hi). */
    int32_t lo = 0, hi = l->k_w;
    while (lo < hi && x0 + lo * l->d_w < 0) {
        lo++;
    }
    while (hi > lo && x0 + (hi - 1) * l->d_w >= l->in_w) {
        hi--;
    }
    for (int32_t ky = 0; ky < l->k_h; ky++, dst += rb) {
        const int32_t iy = y0 + ky * l->d_h;
        if (iy < 0 || iy >= l->in_h) {
            fill_bytes(dst, l->pad, rb);
            continue;
        }
        const int8_t *row = l->in + iy * l->in_row;
        if (l->d_w == 1) {
            fill_bytes(dst, l->pad, lo * c);
            farm_copy_short(dst + lo * c, row + (x0 + lo) * c, (hi - lo) * c);
            fill_bytes(dst + hi * c, l->pad, (l->k_w - hi) * c);
            continue;
        }
        for (int32_t kx = 0; kx < l->k_w; kx++) {
            const int32_t ix = x0 + kx * l->d_w;
            if (ix < 0 || ix >= l->in_w) {
                fill_bytes(dst + kx * c, l->pad, c);
            } else {
                farm_copy_short(dst + kx * c, row + ix * c, c);
            }
        }
    }
}

/* Two windows (x, x + FIRST_MAX_DEPTH) times two filters (w, w + depth) over `groups` words:
 * acc = {x0.w0, x0.w1, x1.w0, x1.w1}. */
static inline __attribute__((always_inline)) void block_2x2_padded(const int8_t *x, const int8_t *w,
                                                                   int32_t depth, int32_t groups,
                                                                   int32_t acc[4])
{
#if FARM_ASM_KERNELS
    int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
    const int32_t w4 = depth - 4; /* filter 1, after filter 0's post-incremented load */
    int32_t t0, t1, t2, wa, xa, xb;
    /* 20 instructions per 16 MACs, four groups per branch (FARM_ASM_LOOP4 enters where the
     * count mod 4 are left); pixel b's word sits FIRST_MAX_DEPTH - 4 bytes after pixel a's
     * post-incremented load, an immediate offset. */
    _Static_assert(FIRST_MAX_DEPTH - 4 == 60, "FIRST_BODY's pixel-b offset");
    __asm__ volatile(
        FARM_ASM_LOOP4(FARM_MAC22_ASM("#60", "%[w4]"), "%[t0]")
        : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [xp] "+r"(x),
          [wp] "+r"(w), [cnt] "+r"(groups), [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2),
          [wa] "=&r"(wa), [xa] "=&r"(xa), [xb] "=&r"(xb)
        : [w4] "r"(w4)
        : "cc", "memory");
    acc[0] = a00;
    acc[1] = a01;
    acc[2] = a10;
    acc[3] = a11;
#else
    /* Portable model (host check): whole words where the filter has them, then the filter's
     * last bytes one at a time (no read past the weights here). */
    const int8_t *w1 = w + depth;
    const int8_t *x1 = x + FIRST_MAX_DEPTH;
    int32_t k = 0;
    (void)groups;
    for (; k + 3 < depth; k += 4) {
        const int32_t xa = farm_ld32(x + k), xb = farm_ld32(x1 + k);
        const int32_t wa = farm_ld32(w + k), wb = farm_ld32(w1 + k);
        const int32_t xa0 = FARM_SXTB16(xa), xa1 = FARM_SXTB16_ROR8(xa);
        const int32_t xb0 = FARM_SXTB16(xb), xb1 = FARM_SXTB16_ROR8(xb);
        const int32_t wa0 = FARM_SXTB16(wa), wa1 = FARM_SXTB16_ROR8(wa);
        const int32_t wb0 = FARM_SXTB16(wb), wb1 = FARM_SXTB16_ROR8(wb);
        acc[0] = FARM_SMLAD(xa1, wa1, FARM_SMLAD(xa0, wa0, acc[0]));
        acc[1] = FARM_SMLAD(xa1, wb1, FARM_SMLAD(xa0, wb0, acc[1]));
        acc[2] = FARM_SMLAD(xb1, wa1, FARM_SMLAD(xb0, wa0, acc[2]));
        acc[3] = FARM_SMLAD(xb1, wb1, FARM_SMLAD(xb0, wb0, acc[3]));
    }
    for (; k < depth; k++) {
        acc[0] += (int32_t)x[k] * w[k];
        acc[1] += (int32_t)x[k] * w1[k];
        acc[2] += (int32_t)x1[k] * w[k];
        acc[3] += (int32_t)x1[k] * w1[k];
    }
#endif
}

static inline __attribute__((always_inline)) int8_t first_out(const farm_rq_t *q, int32_t acc,
                                                              const int32_t *r, const int mode,
                                                              const int sat8)
{
    const int32_t v = farm_rq_apply(acc, r, mode) + q->out_off;
    return (int8_t)(sat8 ? FARM_SSAT8(v) : farm_clamp8(v, q->act_min, q->act_max));
}

/* All output pixels, two at a time (an odd last pixel is computed twice, written once). */
static inline __attribute__((always_inline)) void conv_first_impl(const farm_op_t *op,
                                                                  const int mode, const int sat8)
{
    const int32_t *p = op->p;
    const int32_t n = p[0], in_h = p[1], in_w = p[2], in_c = p[3], out_h = p[4], out_w = p[5];
    const int32_t out_c = p[6], k_h = p[7], k_w = p[8], s_h = p[9], s_w = p[10];
    const int32_t pad_h = p[13], pad_w = p[14];
    const farm_rq_t qv = {(const int32_t *)op->c[1], (const int32_t *)op->c[2], p[16], p[17],
                          p[18], mode};
    const farm_rq_t *q = &qv;
    const int8_t *w = (const int8_t *)op->c[0];
    int8_t *out = op->t[op->n_t - 1];
    const int32_t depth = k_h * k_w * in_c, groups = round_up4(depth) >> 2;
    /* Word aligned; zero from depth on for good (the gather writes only [0, depth)). */
    int32_t win_words[2 * FIRST_MAX_DEPTH / 4] = {0};
    int8_t *win = (int8_t *)win_words;
    first_layer_t l = {op->t[0], in_h, in_w, in_c, k_h, k_w, p[11], p[12], k_w * in_c,
                       in_w * in_c, (int8_t)(-p[15])};
    const int32_t pixels = out_h * out_w;
#if FARM_ROW_TRIPLE_MAX_DEPTH > 0
    /* Three windows side by side for farm_matmul's 3-row kernel, where it runs (a build with
     * tiles takes first_tiled instead, unless the records cannot fold the output offset, and
     * then farm_matmul's tiles cannot either). */
    int32_t tri_words[3 * FIRST_MAX_DEPTH / 4];
    int8_t *tri = (int8_t *)tri_words;
    const int triples = farm_takes_triples(q, depth, out_c);
#endif
    for (int32_t b = 0; b < n; b++, l.in += in_h * in_w * in_c) {
        int32_t oy = 0, ox = 0;
        int32_t px = 0;
#if FARM_ROW_TRIPLE_MAX_DEPTH > 0
        for (; triples && px + 3 <= pixels; px += 3) {
            for (int32_t i = 0; i < 3; i++) {
                gather_window(&l, oy * s_h - pad_h, ox * s_w - pad_w, tri + i * depth);
                if (++ox == out_w) {
                    ox = 0;
                    oy++;
                }
            }
            farm_matmul(tri, 3, depth, w, out_c, q, out + (b * pixels + px) * out_c);
        }
#endif
        for (; px < pixels; px += 2) {
            gather_window(&l, oy * s_h - pad_h, ox * s_w - pad_w, win);
            if (++ox == out_w) {
                ox = 0;
                oy++;
            }
            const int two = px + 1 < pixels;
            if (two) {
                gather_window(&l, oy * s_h - pad_h, ox * s_w - pad_w, win + FIRST_MAX_DEPTH);
                if (++ox == out_w) {
                    ox = 0;
                    oy++;
                }
            }
            int8_t *o0 = out + (b * pixels + px) * out_c;
            int8_t *o1 = two ? o0 + out_c : o0; /* the lone last pixel: written once */
            for (int32_t c = 0; c < out_c; c += 2) {
                int32_t acc[4] = {q->bias[c], q->bias[c + 1], q->bias[c], q->bias[c + 1]};
                block_2x2_padded(win, w + c * depth, depth, groups, acc);
                const int32_t *r = q->rq + c * FARM_RQ_WORDS;
                const int8_t r00 = first_out(q, acc[0], r, mode, sat8);
                const int8_t r10 = first_out(q, acc[2], r, mode, sat8);
                const int8_t r01 = first_out(q, acc[1], r + FARM_RQ_WORDS, mode, sat8);
                const int8_t r11 = first_out(q, acc[3], r + FARM_RQ_WORDS, mode, sat8);
                o1[c] = r10;
                o1[c + 1] = r11;
                o0[c] = r00;
                o0[c + 1] = r01;
            }
        }
    }
}

static __attribute__((noinline)) void conv_first_fast_sat8(const farm_op_t *op)
{
    conv_first_impl(op, FARM_RQ_FAST, 1);
}

static __attribute__((noinline)) void conv_first_fast(const farm_op_t *op)
{
    conv_first_impl(op, FARM_RQ_FAST, 0);
}

static __attribute__((noinline)) void conv_first_single(const farm_op_t *op)
{
    conv_first_impl(op, FARM_RQ_SINGLE, 0);
}

static __attribute__((noinline)) void conv_first_double(const farm_op_t *op)
{
    conv_first_impl(op, FARM_RQ_DOUBLE, 0);
}

#if FARM_TILES
/* The fast int8 form over one packed tile per channel-pair slice (farm_tile_pack, made once
 * per layer): windows gathered three at a time, round_up4(depth) bytes apart with zeros past
 * the depth (the weights' words read past a filter's end meet those zeros), sign-extended once
 * (farm_expand_windows), then the tiled 3-row kernel over the whole tile (farm_tile_rows: 26
 * cycles per 24 MACs, against the 2x2 block's 22 per 16). 0 where the output offset does not
 * fold into the records. */
static __attribute__((noinline)) int first_tiled(const farm_op_t *op)
{
    const int32_t *p = op->p;
    const int32_t in_h = p[1], in_w = p[2], in_c = p[3], out_h = p[4], out_w = p[5];
    const int32_t out_c = p[6], k_h = p[7], k_w = p[8], s_h = p[9], s_w = p[10];
    const int32_t pad_h = p[13], pad_w = p[14];
    const farm_rq_t q = {(const int32_t *)op->c[1], (const int32_t *)op->c[2], p[16], p[17],
                         p[18], FARM_RQ_FAST};
    const int32_t depth = k_h * k_w * in_c, d4 = round_up4(depth), pairs = out_c >> 1;
    const int32_t total = p[0] * out_h * out_w, tile = farm_tile_pairs(d4);
    if (total < 3 || tile < 1 || !farm_rq_offset_folds(q.rq, out_c)) {
        return 0;
    }
    int32_t wx[FARM_TRIPLE_WX_WORDS];
    int32_t win_words[3 * FIRST_MAX_DEPTH / 4] = {0};
    int32_t x[FIRST_MAX_DEPTH / 4 * 6];
    const int8_t *win = (const int8_t *)win_words;
    int8_t *out = op->t[op->n_t - 1];
    for (int32_t p0 = 0; p0 < pairs; p0 += tile) {
        const int32_t n = pairs - p0 < tile ? pairs - p0 : tile;
        farm_tile_pack(wx, (const int8_t *)op->c[0], depth, d4, p0, n, &q);
        first_layer_t l = {op->t[0], in_h, in_w, in_c, k_h, k_w, p[11], p[12], k_w * in_c,
                           in_w * in_c, (int8_t)(-p[15])};
        int32_t oy = 0, ox = 0;
        for (int32_t done = 0; done < total; done += 3) {
            const int32_t rows = total - done < 3 ? total - done : 3;
            for (int32_t r = 0; r < rows; r++) {
                gather_window(&l, oy * s_h - pad_h, ox * s_w - pad_w, (int8_t *)win + r * d4);
                if (++ox == out_w) {
                    ox = 0;
                    if (++oy == out_h) {
                        oy = 0;
                        l.in += in_h * in_w * in_c;
                    }
                }
            }
            farm_expand_windows(x, win, 1, d4, 0, d4);
            farm_tile_rows(x, d4, wx, n, out + done * out_c + 2 * p0, out_c, rows);
        }
    }
    return 1;
}
#endif

int farm_conv_first(const farm_op_t *op)
{
    const int32_t *p = op->p;
    const int32_t in_c = p[3], out_c = p[6], depth = p[7] * p[8] * in_c;
    if (in_c > FIRST_MAX_IN_C || depth > FIRST_MAX_DEPTH || out_c % 2 != 0) {
        return 0;
    }
    const int mode = farm_rq_mode(op, p[20]);
    const int sat8 = p[17] <= -128 && p[18] >= 127;
    if (mode == FARM_RQ_FAST) {
#if FARM_TILES
        if (sat8 && first_tiled(op)) {
            return 1;
        }
#endif
        if (sat8) {
            conv_first_fast_sat8(op);
        } else {
            conv_first_fast(op);
        }
    } else if (mode == FARM_RQ_SINGLE) {
        conv_first_single(op);
    } else {
        conv_first_double(op);
    }
    return 1;
}

#else

int farm_conv_first(const farm_op_t *op)
{
    (void)op;
    return 0; /* plain C: the generic path */
}

#endif /* FARM_USE_DSP */
