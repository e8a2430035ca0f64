/*
 * k_conv_tiled.c - CONV_2D over packed tiles of channel pairs (DSP cores with a 16 KB stack).
 *
 * The generic path (k_conv.c's conv_windows) reads the int8 filters for every output pixel
 * pair or triple and sign-extends them each time (30 cycles per 24 MACs in the 3-row loop),
 * and the pixels at the image border go through gathered windows, often two or one at a
 * time. Here a tile of channel pairs is packed once per layer (farm_tile_pack: weights
 * sign-extended, biases and records beside them), then every output pixel, in raster order,
 * three at a time, has its window sign-extended into the stack and runs the tiled 3-row loop
 * (farm_tile_rows: 26 cycles per 24 MACs). Raster order keeps three consecutive pixels
 * out_c bytes apart in the output even across a row end, so border pixels join a triple like
 * any other: their padded taps hold the input zero point, which the folded bias cancels
 * exactly (as the generic path's gathered windows do). When the filters need more than one
 * tile, every window is expanded again per tile.
 *
 * Bit-exact with the generic path: the same folded bias, the same products, the same fast
 * requantization with the output offset folded into the rounding term.
 */

#include "farm_fixedpoint.h"
#include "farm_kernels.h"
#include "farm_simd.h"

#if FARM_TILES && FARM_ROW_TRIPLE_MAX_DEPTH > 0

/* Cycles per 4 bytes of depth, by the twins' cycle model: what the tiled loop saves per
 * channel pair and triple against the generic one, packing a pair into the tile, expanding a
 * triple's windows once more for each further tile. */
#define GAIN_PER_BLOCK 4
#define PACK_PER_BLOCK 13
#define EXPAND_PER_BLOCK 16

typedef struct {
    const int8_t *in;
    int32_t in_h, in_w, in_c, out_h, out_w, k_h, k_w, s_h, s_w, d_h, d_w, pad_h, pad_w;
    int32_t pad2; /* the input zero point in both halves of a word: a padded tap, expanded */
} geometry_t;

/* Where an output pixel is: its batch, row and column. */
typedef struct {
    int32_t b, y, x;
} pixel_t;

static inline void next_pixel(pixel_t *p, const geometry_t *g)
{
    if (++p->x == g->out_w) {
        p->x = 0;
        if (++p->y == g->out_h) {
            p->y = 0;
            p->b++;
        }
    }
}

/* Whether the window of p lies inside the input. */
static inline int window_inside(const geometry_t *g, const pixel_t *p)
{
    const int32_t y0 = p->y * g->s_h - g->pad_h, x0 = p->x * g->s_w - g->pad_w;
    return y0 >= 0 && y0 + (g->k_h - 1) * g->d_h < g->in_h && x0 >= 0 &&
           x0 + (g->k_w - 1) * g->d_w < g->in_w;
}

static inline const int8_t *window_origin(const geometry_t *g, const pixel_t *p)
{
    const int32_t y0 = p->y * g->s_h - g->pad_h, x0 = p->x * g->s_w - g->pad_w;
    return g->in + ((p->b * g->in_h + y0) * g->in_w + x0) * g->in_c;
}

/* n bytes (a multiple of 4) from src into one row of an expanded triple at e: per 4 bytes,
 * bytes 0 and 2 sign-extended into e[0], bytes 1 and 3 into e[3], the next 4 bytes 6 words on. */
static inline __attribute__((always_inline)) int32_t *expand_run(int32_t *e, const int8_t *src,
                                                                 int32_t n)
{
    int32_t k = 0;
    for (; k + 8 <= n; k += 8, e += 12) {
        const int32_t v0 = farm_ld32(src + k), v1 = farm_ld32(src + k + 4);
        e[0] = FARM_SXTB16(v0);
        e[3] = FARM_SXTB16_ROR8(v0);
        e[6] = FARM_SXTB16(v1);
        e[9] = FARM_SXTB16_ROR8(v1);
    }
    if (k < n) {
        const int32_t v = farm_ld32(src + k);
        e[0] = FARM_SXTB16(v);
        e[3] = FARM_SXTB16_ROR8(v);
        e += 6;
    }
    return e;
}

/* As expand_run for n bytes of padding (the input zero point, expanded: pad2). */
static inline __attribute__((always_inline)) int32_t *pad_run(int32_t *e, int32_t pad2,
                                                              int32_t n)
{
    for (int32_t k = 0; k < n; k += 4, e += 6) {
        e[0] = pad2;
        e[3] = pad2;
    }
    return e;
}

/* Row r of the expanded triple x: the window of pixel p, any border, any dilation. With
 * dilation 1 in x, a window row's in-bounds taps are one run of the input. */
static __attribute__((noinline)) void expand_pixel(int32_t *x, int32_t r, const geometry_t *g,
                                                   const pixel_t *p)
{
    int32_t *e = x + r;
    const int32_t in_c = g->in_c, y0 = p->y * g->s_h - g->pad_h;
    const int32_t x0 = p->x * g->s_w - g->pad_w;
    const int8_t *img = g->in + p->b * g->in_h * g->in_w * in_c;
    int32_t lo = 0, hi = g->k_w; /* in-bounds taps of a row, dilation 1 */
    if (g->d_w == 1) {
        lo = x0 < 0 ? -x0 : 0;
        hi = g->in_w - x0 < g->k_w ? g->in_w - x0 : g->k_w;
        hi = hi < lo ? lo : hi;
    }
    for (int32_t ky = 0; ky < g->k_h; ky++) {
        const int32_t iy = y0 + ky * g->d_h;
        if (iy < 0 || iy >= g->in_h) {
            e = pad_run(e, g->pad2, g->k_w * in_c);
            continue;
        }
        const int8_t *row = img + iy * g->in_w * in_c;
        if (g->d_w == 1) {
            e = pad_run(e, g->pad2, lo * in_c);
            e = expand_run(e, row + (x0 + lo) * in_c, (hi - lo) * in_c);
            e = pad_run(e, g->pad2, (g->k_w - hi) * in_c);
            continue;
        }
        for (int32_t kx = 0; kx < g->k_w; kx++) {
            const int32_t ix = x0 + kx * g->d_w;
            e = ix < 0 || ix >= g->in_w ? pad_run(e, g->pad2, in_c)
                                        : expand_run(e, row + ix * in_c, in_c);
        }
    }
}

/* The three windows of pixels in one output row, all inside the input (dilation 1 in x),
 * window row by window row from the input: x0 is the first one's origin. */
static __attribute__((noinline)) void expand_inside_triple(int32_t *x, const geometry_t *g,
                                                           const int8_t *x0)
{
    farm_expand_windows(x, x0, g->k_h, g->k_w * g->in_c, g->d_h * g->in_w * g->in_c,
                        g->s_w * g->in_c);
}

/* The windows of the three pixels from p on (pixels past the last leave their rows as they
 * were): p advances past them. */
static void expand_triple(int32_t *x, const geometry_t *g, pixel_t *p, int32_t left)
{
    if (left >= 3 && g->d_w == 1 && p->x + 2 < g->out_w && window_inside(g, p)) {
        pixel_t third = {p->b, p->y, p->x + 2};
        if (window_inside(g, &third)) {
            expand_inside_triple(x, g, window_origin(g, p));
            p->x += 2;
            next_pixel(p, g);
            return;
        }
    }
    for (int32_t r = 0; r < 3 && r < left; r++) {
        expand_pixel(x, r, g, p);
        next_pixel(p, g);
    }
}

/* Whether the tiles pay for themselves against the generic path (its filter reads costing
 * `stall` per 4 bytes and channel pair). */
static int tiles_pay(int32_t triples, int32_t pairs, int32_t tile, int32_t stall)
{
    const int32_t tiles = (pairs + tile - 1) / tile;
    return triples * pairs * (GAIN_PER_BLOCK + stall) >
           PACK_PER_BLOCK * pairs + (tiles - 1) * triples * EXPAND_PER_BLOCK;
}

/* Stack words for a tile and one expanded triple: the triple of the deepest window takes its
 * share, shallower windows leave the rest to the tile (ResNet-8's 16-to-32 layer then takes
 * one tile instead of two). */
#define TILES_WORDS (FARM_TRIPLE_WX_WORDS + FARM_ROW_TRIPLE_MAX_DEPTH / 4 * 6)

/* Channel pairs per tile beside a triple of this depth. */
static int32_t tile_pairs(int32_t depth)
{
    return (TILES_WORDS - depth / 4 * 6) / FARM_TILE_PAIR_WORDS(depth);
}

/* The convolution, tile after tile: its frame holds the tile and one expanded triple. */
static __attribute__((noinline)) void conv_tiles(const geometry_t *g, int32_t pixels,
                                                 const int8_t *w, int32_t out_c, int32_t tile,
                                                 const farm_rq_t *q, int8_t *out)
{
    int32_t buf[TILES_WORDS];
    const int32_t depth = g->k_h * g->k_w * g->in_c, pairs = out_c >> 1;
    int32_t *const wx = buf, *const x = buf + tile * FARM_TILE_PAIR_WORDS(depth);
    for (int32_t p0 = 0; p0 < pairs; p0 += tile) {
        const int32_t n = pairs - p0 < tile ? pairs - p0 : tile;
        farm_tile_pack(wx, w, depth, depth, p0, n, q);
        pixel_t p = {0, 0, 0};
        int8_t *o = out + 2 * p0;
        for (int32_t done = 0; done < pixels; done += 3, o += 3 * out_c) {
            const int32_t left = pixels - done;
            expand_triple(x, g, &p, left);
            farm_tile_rows(x, depth, wx, n, o, out_c, left);
        }
    }
}

int farm_conv_tiled(const farm_op_t *op, int32_t stall)
{
    const int32_t *p = op->p;
    const int32_t batches = p[0], in_c = p[3], out_c = p[6], k_h = p[7], k_w = p[8];
    const geometry_t g = {op->t[0], p[1], p[2], in_c, p[4], p[5], k_h, k_w, p[9], p[10],
                          p[11], p[12], p[13], p[14],
                          (int32_t)((uint32_t)(uint16_t)(int16_t)(-p[15]) * 0x10001u)};
    const farm_rq_t q = {(const int32_t *)op->c[1], (const int32_t *)op->c[2], p[16], p[17],
                         p[18], farm_rq_mode(op, p[20])};
    const int32_t depth = k_h * k_w * in_c, pixels = batches * g.out_h * g.out_w;
    if ((in_c & 3) != 0 || (out_c & 1) != 0 || pixels < 3 ||
        !farm_takes_triples(&q, depth, out_c) || !farm_rq_offset_folds(q.rq, out_c)) {
        return 0;
    }
    const int32_t tile = tile_pairs(depth);
    if (tile < 1 || !tiles_pay(pixels / 3, out_c >> 1, tile, stall)) {
        return 0;
    }
    conv_tiles(&g, pixels, (const int8_t *)op->c[0], out_c, tile, &q, op->t[op->n_t - 1]);
    return 1;
}

#else

int farm_conv_tiled(const farm_op_t *op, int32_t stall)
{
    (void)op, (void)stall;
    return 0; /* no tiles in this build */
}

#endif
