/*
 * k_conv_matmul.c - the two-row matrix product of convolutions (pointwise and gathered
 * windows) with the fast requantization.
 *
 * Two input rows times two weight rows at a time (2 pixels x 2 channels, 16 MACs per 4 LDR,
 * 8 SXTB16, 8 SMLAD), then the four outputs requantized and stored straight from registers.
 * What makes it faster than the general farm_matmul loop is what happens around the MACs: one
 * function per row pair with few live values, so the per-block work (bias, the two channels'
 * requantization records, four stores) stays in registers instead of spilling to the stack.
 * Only the fast requantization (FARM_RQ_FAST) is handled here; farm_matmul does the rest.
 *
 * With int8 outputs, rows go three at a time first (row_triples_sat8): three rows x two
 * channels, the rows sign-extended once per triple into a stack buffer, so the loop's SXTB16s
 * are the weights' alone (24 MACs per 30 cycles against 16 per 22). Where many rows come at
 * once (1x1 convolutions, batches of first-layer windows) and the stack is 16 KB, a tile of
 * channel pairs has its weights sign-extended once into the stack too (row_triples_tiled):
 * then both channels' weight words come with one LDM, 24 MACs per 26 cycles.
 */
#include "farm_fixedpoint.h"
#include "farm_kernels.h"
#include "farm_mac_asm.h"
#include "farm_simd.h"

#if FARM_USE_DSP

/* The MACs of rows x0 and x0 + xoff (weights w0 and w0 + woff), n bytes deep (n a positive
 * multiple of 4), added to acc[4] as in farm_macs_2x2: a convolution's two output pixels read
 * straight from the input (the window rows of the two pixels are xoff apart). */
static inline __attribute__((always_inline)) void macs_2x2_off(const int8_t *x0, int32_t xoff,
                                                               const int8_t *w0, int32_t woff,
                                                               int32_t n, int32_t acc[4])
{
    int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
#if FARM_ASM_KERNELS && !defined(__OPTIMIZE_SIZE__)
    /* 14 registers: GCC finds them at -O2, not at -Os (the intrinsic loop below there).
     * Two offsets leave no register for a counter: the loop ends when the weight pointer
     * reaches its end, which waits on the stack (one LDR and a CMP per two blocks). */
    const int32_t xo4 = xoff - 4, wo4 = woff - 4;
    int32_t t0 = (int32_t)(intptr_t)(w0 + n), t1, t2, wa, xa, xb;
    __asm__ volatile(
        "push {%[t0]}\n\t"
        "subs %[t1], %[t0], %[wp]\n\t"
        "lsls %[t1], %[t1], #30\n\t" /* bit 2 of the length (an odd block count) into C */
        "bcs 2f\n\t"
        "1:\n\t"
        FARM_MAC22_ASM("%[xo4]", "%[wo4]")
        "2:\n\t"
        FARM_MAC22_ASM("%[xo4]", "%[wo4]")
        "ldr %[t0], [sp]\n\t"
        "cmp %[wp], %[t0]\n\t"
        "bne 1b\n\t"
        "add sp, sp, #4\n\t"
        : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [xp] "+r"(x0),
          [wp] "+r"(w0), [t0] "+r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [wa] "=&r"(wa),
          [xa] "=&r"(xa), [xb] "=&r"(xb)
        : [xo4] "r"(xo4), [wo4] "r"(wo4)
        : "cc", "memory");
#else
    for (int32_t k = 0; k < n; k += 4, x0 += 4, w0 += 4) {
        const int32_t wa = farm_ld32(w0), wb = farm_ld32(w0 + woff);
        const int32_t xa = farm_ld32(x0), xb = farm_ld32(x0 + xoff);
        const int32_t wa0 = FARM_SXTB16(wa), wa1 = FARM_SXTB16_ROR8(wa);
        const int32_t wb0 = FARM_SXTB16(wb), wb1 = FARM_SXTB16_ROR8(wb);
        const int32_t xa0 = FARM_SXTB16(xa), xa1 = FARM_SXTB16_ROR8(xa);
        const int32_t xb0 = FARM_SXTB16(xb), xb1 = FARM_SXTB16_ROR8(xb);
        a00 = FARM_SMLAD(xa1, wa1, FARM_SMLAD(xa0, wa0, a00));
        a10 = FARM_SMLAD(xb1, wa1, FARM_SMLAD(xb0, wa0, a10));
        a01 = FARM_SMLAD(xa1, wb1, FARM_SMLAD(xa0, wb0, a01));
        a11 = FARM_SMLAD(xb1, wb1, FARM_SMLAD(xb0, wb0, a11));
    }
#endif
    acc[0] = a00;
    acc[1] = a01;
    acc[2] = a10;
    acc[3] = a11;
}

/* One output of the fast requantization with the channel's record r = {multiplier, L, R,
 * 2^(R-1)} (farm_fixedpoint.h), the output offset added and clamped. */
static inline __attribute__((always_inline)) int32_t rq_fast_out(int32_t acc, int32_t m,
                                                                 int32_t left, int32_t right,
                                                                 int32_t half, int32_t out_off,
                                                                 int32_t lo, int32_t hi,
                                                                 const int sat8)
{
    const int32_t y = farm_smmulr((int32_t)((uint32_t)acc << left), m);
    const int32_t v = ((y + half + (y >> 31)) >> right) + out_off;
    if (sat8) {
        return FARM_SSAT8(v);
    }
    return v < lo ? lo : v > hi ? hi : v;
}

/* The four outputs of channels c, c + 1 (records rq, rq + FARM_RQ_WORDS) of two rows. */
static inline __attribute__((always_inline)) void store_2x2(const int32_t acc[4],
                                                            const int32_t *rq,
                                                            const farm_rq_t *q, int8_t *o0,
                                                            int8_t *o1, const int sat8)
{
    const int32_t out_off = q->out_off, lo = q->act_min, hi = q->act_max;
    const int32_t m0 = rq[0], l0 = rq[1], s0 = rq[2], h0 = rq[3];
    const int32_t v00 = rq_fast_out(acc[0], m0, l0, s0, h0, out_off, lo, hi, sat8);
    const int32_t v10 = rq_fast_out(acc[2], m0, l0, s0, h0, out_off, lo, hi, sat8);
    const int32_t m1 = rq[4], l1 = rq[5], s1 = rq[6], h1 = rq[7];
    const int32_t v01 = rq_fast_out(acc[1], m1, l1, s1, h1, out_off, lo, hi, sat8);
    const int32_t v11 = rq_fast_out(acc[3], m1, l1, s1, h1, out_off, lo, hi, sat8);
    o0[0] = (int8_t)v00;
    o0[1] = (int8_t)v01;
    o1[0] = (int8_t)v10;
    o1[1] = (int8_t)v11;
}

/* Rows r and r + 1 (x0, x0 + depth) times all channel pairs; outputs at o0 and o0 + oc. */
static inline __attribute__((always_inline)) void row_pair(const int8_t *x0, int32_t depth,
                                                           const int8_t *w, int32_t oc,
                                                           const farm_rq_t *q, int8_t *o0,
                                                           const int sat8)
{
    const int32_t *bias = q->bias;
    const int32_t *rq = q->rq;
    int8_t *o1 = o0 + oc;
    int32_t c = 0;
    for (; c + 1 < oc; c += 2, w += 2 * depth, rq += 2 * FARM_RQ_WORDS) {
        int32_t acc[4] = {bias[c], bias[c + 1], bias[c], bias[c + 1]};
        farm_macs_2x2(x0, w, depth, acc);
        store_2x2(acc, rq, q, o0 + c, o1 + c, sat8);
    }
    if (c < oc) { /* an odd last channel: both rows, one weight row */
        const int32_t out_off = q->out_off, lo = q->act_min, hi = q->act_max;
        int32_t a0 = bias[c], a1 = bias[c];
        for (int32_t k = 0; k < depth; k++) {
            a0 += (int32_t)x0[k] * w[k];
            a1 += (int32_t)x0[depth + k] * w[k];
        }
        o0[c] = (int8_t)rq_fast_out(a0, rq[0], rq[1], rq[2], rq[3], out_off, lo, hi, sat8);
        o1[c] = (int8_t)rq_fast_out(a1, rq[0], rq[1], rq[2], rq[3], out_off, lo, hi, sat8);
    }
}

/* The last channel of an odd out_c for direct_pair: both pixels, one filter. */
static inline __attribute__((always_inline)) void direct_last_channel(const farm_conv_pair_t *g,
                                                                      const int8_t *x0,
                                                                      int8_t *o0, const int sat8)
{
    const farm_rq_t *q = g->q;
    const int32_t c = g->out_c - 1;
    const int32_t *rq = q->rq + c * FARM_RQ_WORDS;
    const int8_t *w = g->w + c * g->k_h * g->seg;
    int32_t a0 = q->bias[c], a1 = q->bias[c];
    const int8_t *xr = x0;
    for (int32_t ky = 0; ky < g->k_h; ky++, xr += g->x_row, w += g->seg) {
        for (int32_t k = 0; k < g->seg; k++) {
            a0 += (int32_t)xr[k] * w[k];
            a1 += (int32_t)xr[g->xoff + k] * w[k];
        }
    }
    const int32_t out_off = q->out_off, lo = q->act_min, hi = q->act_max;
    o0[c] = (int8_t)rq_fast_out(a0, rq[0], rq[1], rq[2], rq[3], out_off, lo, hi, sat8);
    o0[g->out_stride + c] =
        (int8_t)rq_fast_out(a1, rq[0], rq[1], rq[2], rq[3], out_off, lo, hi, sat8);
}

/* Two output pixels of a convolution read straight from the input (no gather): their
 * windows are k_h rows of `seg` bytes (k_w * in_c, dilation 1 in x), x_row apart, the second
 * pixel's xoff after the first's. Outputs at o0 and o0 + g->out_stride. */
static inline __attribute__((always_inline)) void direct_pair(const farm_conv_pair_t *g,
                                                              const int8_t *x0, int8_t *o0,
                                                              const int sat8)
{
    const farm_rq_t *q = g->q;
    const int32_t *bias = q->bias;
    const int32_t *rq = q->rq;
    const int32_t oc = g->out_c, depth = g->k_h * g->seg;
    const int8_t *w = g->w;
    int8_t *o1 = o0 + g->out_stride;
    int32_t c = 0;
    for (; c + 1 < oc; c += 2, w += 2 * depth, rq += 2 * FARM_RQ_WORDS) {
        int32_t acc[4] = {bias[c], bias[c + 1], bias[c], bias[c + 1]};
        const int8_t *xr = x0;
        const int8_t *wr = w;
        for (int32_t ky = 0; ky < g->k_h; ky++, xr += g->x_row, wr += g->seg) {
            macs_2x2_off(xr, g->xoff, wr, depth, g->seg, acc);
        }
        store_2x2(acc, rq, q, o0 + c, o1 + c, sat8);
    }
    if (c < oc) { /* an odd last channel */
        direct_last_channel(g, x0, o0, sat8);
    }
}

#if FARM_ASM_KERNELS && !defined(__OPTIMIZE_SIZE__)
/* What the channel loop of row_pair_asm keeps in memory (it needs all 14 registers for the
 * MACs): read and advanced through one pointer that waits on the stack. Offsets are fixed. */
typedef struct {
    const int8_t *x0;     /* 0: row 0 (row 1 follows at depth) */
    int32_t n4;           /* 4: depth - 4 */
    int32_t blocks;       /* 8: depth / 4 */
    const int32_t *bias;  /* 12: the next channel pair's bias */
    const int32_t *rq;    /* 16: the next channel pair's records */
    int8_t *o0;           /* 20: row 0's next output (row 1's at oc further) */
    int32_t oc;           /* 24 */
    const int8_t *w;      /* 28: the next channel pair's weight rows */
    int32_t out_off;      /* 32 */
    int32_t pairs;        /* 36: channel pairs left */
} rp_state_t;

/* Rows x0 and x0 + depth times all channel pairs, outputs clamped to int8 (one SSAT): the
 * whole channel loop in one block, so the bias, the records and the output pointers move
 * through the registers the MAC loop frees instead of GCC's spills around it. depth a
 * positive multiple of 4, at least one channel pair; an odd last channel is left to the
 * caller. */
static void row_pair_asm(rp_state_t *st)
{
    int32_t a00, a01, a10, a11, cnt, n4, t1, t2, wa, xa, xb;
    const int8_t *xp, *wp;
    int32_t t0 = (int32_t)(intptr_t)st;
    __asm__ volatile(
        FARM_PAIR_BIAS_ASM
        "ldr %[xp], [%[t0], #0]\n\t"
        "ldr %[n4], [%[t0], #4]\n\t"
        "ldr %[cnt], [%[t0], #8]\n\t"
        "ldr %[wp], [%[t0], #28]\n\t"
        FARM_ASM_LOOP4(FARM_MAC22_ASM("%[n4]", "%[n4]"), "%[t1]")
        /* The next pair's weights follow this pair's second row. */
        "ldr %[t0], [sp]\n\t"
        "add %[wp], %[wp], %[n4]\n\t"
        "adds %[wp], %[wp], #4\n\t"
        "str %[wp], [%[t0], #28]\n\t"
        "ldr %[t1], [%[t0], #16]\n\t"
        FARM_RQ2_ASM("%[a00]", "%[a10]", "0", "8", "%[cnt]", "%[n4]")
        FARM_RQ2_ASM("%[a01]", "%[a11]", "16", "24", "%[cnt]", "%[n4]")
        FARM_PAIR_STORE_ASM
        : [a00] "=&r"(a00), [a01] "=&r"(a01), [a10] "=&r"(a10), [a11] "=&r"(a11),
          [xp] "=&r"(xp), [wp] "=&r"(wp), [cnt] "=&r"(cnt), [n4] "=&r"(n4), [t0] "+r"(t0),
          [t1] "=&r"(t1), [t2] "=&r"(t2), [wa] "=&r"(wa), [xa] "=&r"(xa), [xb] "=&r"(xb)
        :
        : "cc", "memory");
}

/* What the channel loop of direct_pair_asm keeps in memory (offsets fixed, as rp_state_t). */
typedef struct {
    const int8_t *x0;     /* 0: pixel 0's window origin (pixel 1's at xoff) */
    int32_t xo4;          /* 4: xoff - 4 */
    int32_t wo4;          /* 8: depth - 4 */
    const int32_t *bias;  /* 12: the next channel pair's bias */
    const int32_t *rq;    /* 16: the next channel pair's records */
    int8_t *o0;           /* 20: pixel 0's next output (pixel 1's at oc further) */
    int32_t oc;           /* 24: output bytes between the pixels (the layer's out_c) */
    const int8_t *w;      /* 28: the next channel pair's weight rows */
    int32_t out_off;      /* 32 */
    int32_t pairs;        /* 36: channel pairs left */
    int32_t seg;          /* 40: bytes of one window row, a positive multiple of 4 */
    int32_t x_skip;       /* 44: x_row - seg */
    int32_t k_h;          /* 48 */
    int32_t rows_left;    /* 52: window rows left of the current channel pair */
} dp_state_t;

/* Two output pixels read straight from the input times all channel pairs, clamped to int8:
 * row_pair_asm's channel loop with k_h window rows of seg bytes per pair. Each row's MAC loop
 * ends when the weight pointer reaches the row's end, pushed on the stack above the state
 * pointer (two offsets leave no register for a counter). */
static void direct_pair_asm(dp_state_t *st)
{
    int32_t a00, a01, a10, a11, xo, wo, t1, t2, wa, xa, xb;
    const int8_t *xp, *wp;
    int32_t t0 = (int32_t)(intptr_t)st;
    __asm__ volatile(
        FARM_PAIR_BIAS_ASM
        "ldr %[t1], [%[t0], #48]\n\t"
        "str %[t1], [%[t0], #52]\n\t"
        "ldr %[xp], [%[t0], #0]\n\t"
        "ldr %[xo], [%[t0], #4]\n\t"
        "ldr %[wo], [%[t0], #8]\n\t"
        "ldr %[wp], [%[t0], #28]\n\t"
        "4:\n\t"
        "ldr %[t1], [%[t0], #40]\n\t"
        /* Bits 3 and 2 of the row's bytes (its block count mod 4) into C and N: enter the
         * four copies where that many are left before the first end check. */
        "lsls %[t2], %[t1], #29\n\t"
        "add %[t1], %[wp], %[t1]\n\t"
        "push {%[t1]}\n\t"
        FARM_ASM_ENTER4
        "1:\n\t"
        FARM_MAC22_ASM("%[xo]", "%[wo]")
        "5:\n\t"
        FARM_MAC22_ASM("%[xo]", "%[wo]")
        "7:\n\t"
        FARM_MAC22_ASM("%[xo]", "%[wo]")
        "8:\n\t"
        FARM_MAC22_ASM("%[xo]", "%[wo]")
        "ldr %[t0], [sp]\n\t"
        "cmp %[wp], %[t0]\n\t"
        "bne 1b\n\t"
        "add sp, sp, #4\n\t"
        /* The next window row: the weights follow on, the input one image row further. */
        "ldr %[t0], [sp]\n\t"
        "ldr %[t1], [%[t0], #44]\n\t"
        "add %[xp], %[xp], %[t1]\n\t"
        "ldr %[t1], [%[t0], #52]\n\t"
        "subs %[t1], %[t1], #1\n\t"
        "str %[t1], [%[t0], #52]\n\t"
        "bne 4b\n\t"
        /* The next pair's weights follow this pair's second filter. */
        "add %[wp], %[wp], %[wo]\n\t"
        "adds %[wp], %[wp], #4\n\t"
        "str %[wp], [%[t0], #28]\n\t"
        "ldr %[t1], [%[t0], #16]\n\t"
        FARM_RQ2_ASM("%[a00]", "%[a10]", "0", "8", "%[xo]", "%[wo]")
        FARM_RQ2_ASM("%[a01]", "%[a11]", "16", "24", "%[xo]", "%[wo]")
        FARM_PAIR_STORE_ASM
        : [a00] "=&r"(a00), [a01] "=&r"(a01), [a10] "=&r"(a10), [a11] "=&r"(a11),
          [xp] "=&r"(xp), [wp] "=&r"(wp), [xo] "=&r"(xo), [wo] "=&r"(wo), [t0] "+r"(t0),
          [t1] "=&r"(t1), [t2] "=&r"(t2), [wa] "=&r"(wa), [xa] "=&r"(xa), [xb] "=&r"(xb)
        :
        : "cc", "memory");
}
#define FARM_ROW_PAIR_ASM 1
#else
#define FARM_ROW_PAIR_ASM 0
#endif
#if FARM_TILES && !(FARM_ROW_PAIR_ASM && FARM_TRIPLE_WX_WORDS > 0)
#error "farm_kernels.h's FARM_TILES promises tiles this build does not make"
#endif

#if FARM_ROW_PAIR_ASM && FARM_ROW_TRIPLE_MAX_DEPTH > 0
/* Words of three expanded rows of the deepest depth (farm_expand_block: 6 words per 4 bytes). */
#define TRIPLE_WORDS (FARM_ROW_TRIPLE_MAX_DEPTH / 4 * 6)

#define TILED_MAX_DEPTH 256 /* row_triples_tiled's row buffer: 1.5 KB */

/* What the channel loop of row_triple_asm keeps in memory (offsets fixed, as rp_state_t). */
typedef struct {
    const int32_t *x;     /* 0: the three rows, expanded (row_triples) */
    int32_t depth;        /* 4 */
    const int32_t *bias;  /* 8: the next channel pair's bias */
    const int32_t *rq;    /* 12: the next channel pair's records */
    int8_t *o0;           /* 16: row 0's next output (rows 1 and 2 at oc and 2 oc further) */
    int32_t oc;           /* 20: output bytes between the rows (the layer's out_c) */
    const int8_t *w;      /* 24: the next channel pair's weight rows */
    int32_t out_off;      /* 28 */
    int32_t pairs;        /* 32: channel pairs left */
} rt_state_t;

/* The block's twelve MACs: the three rows' words x0 x1 x2 times the two channels' w0 w1. */
#define RT_MACS                                                                                    \
    "smlad %[a00], %[x0], %[w0], %[a00]\n\t"                                                       \
    "smlad %[a10], %[x1], %[w0], %[a10]\n\t"                                                       \
    "smlad %[a20], %[x2], %[w0], %[a20]\n\t"                                                       \
    "smlad %[a01], %[x0], %[w1], %[a01]\n\t"                                                       \
    "smlad %[a11], %[x1], %[w1], %[a11]\n\t"                                                       \
    "smlad %[a21], %[x2], %[w1], %[a21]\n\t"

/* One step of the 3-row x 2-channel block over 4 bytes of depth, for one half of them (SXT:
 * "" for bytes 0 and 2, ", ror #8" for 1 and 3): the weight words of both channels (at
 * [wp + depth] and [wp], WB: the post-increment of the second half), sign-extended in
 * place, times the three rows' words of that half, already sign-extended (one LDM). 15
 * cycles, 12 MACs. */
#define RT_HALF(WB, SXT)                                                                           \
    "ldr %[w1], [%[wp], %[off]]\n\t"                                                               \
    "ldr %[w0], [%[wp]]" WB "\n\t"                                                                 \
    "ldm %[xp]!, {%[x0], %[x1], %[x2]}\n\t"                                                        \
    "sxtb16 %[w0], %[w0]" SXT "\n\t"                                                               \
    "sxtb16 %[w1], %[w1]" SXT "\n\t"                                                               \
    RT_MACS
#define RT_BLOCK RT_HALF("", "") RT_HALF(", #4", ", ror #8")

/* The fast requantization of one channel's three accumulators A B C with its record loaded:
 * x0 = multiplier, x1 = L, x2 = R, xp = rounding term; T is a scratch register. */
#define RQ3_APPLY(A, B, C, T)                                                                      \
    "lsl " A ", " A ", %[x1]\n\t"                                                                  \
    "lsl " B ", " B ", %[x1]\n\t"                                                                  \
    "lsl " C ", " C ", %[x1]\n\t"                                                                  \
    "smmulr " A ", " A ", %[x0]\n\t"                                                               \
    "smmulr " B ", " B ", %[x0]\n\t"                                                               \
    "smmulr " C ", " C ", %[x0]\n\t"                                                               \
    "add " T ", %[xp], " A "\n\t"                                                                  \
    "add " A ", " T ", " A ", asr #31\n\t"                                                         \
    "add " T ", %[xp], " B "\n\t"                                                                  \
    "add " B ", " T ", " B ", asr #31\n\t"                                                         \
    "add " T ", %[xp], " C "\n\t"                                                                  \
    "add " C ", " T ", " C ", asr #31\n\t"                                                         \
    "asr " A ", " A ", %[x2]\n\t"                                                                  \
    "asr " B ", " B ", %[x2]\n\t"                                                                  \
    "asr " C ", " C ", %[x2]\n\t"

/* RQ3_APPLY with the record at [w1 + OFF] (as FARM_RQ2_ASM). Scratch: x0 x1 x2 xp wp. */
#define RT_RQ3(A, B, C, OFF, OFF8)                                                                 \
    "ldrd %[x0], %[x1], [%[w1], #" OFF "]\n\t"                                                     \
    "ldrd %[x2], %[xp], [%[w1], #" OFF8 "]\n\t"                                                    \
    RQ3_APPLY(A, B, C, "%[wp]")

/* The start of a channel pair in row_triple_asm and row_triple_x_asm (label 3): push the
 * state pointer (first entry only), the accumulators from the pair's two biases, the rows',
 * depth and weights' pointers from the state. */
#define RT_PAIR_START                                                                              \
    "push {%[w0]}\n\t"                                                                             \
    "3:\n\t"                                                                                       \
    "ldr %[w0], [sp]\n\t"                                                                          \
    "ldr %[w1], [%[w0], #8]\n\t"                                                                   \
    "ldrd %[a00], %[a01], [%[w1]], #8\n\t"                                                         \
    "str %[w1], [%[w0], #8]\n\t"                                                                   \
    "mov %[a10], %[a00]\n\t"                                                                       \
    "mov %[a20], %[a00]\n\t"                                                                       \
    "mov %[a11], %[a01]\n\t"                                                                       \
    "mov %[a21], %[a01]\n\t"                                                                       \
    "ldr %[xp], [%[w0], #0]\n\t"                                                                   \
    "ldr %[off], [%[w0], #4]\n\t"                                                                  \
    "ldr %[wp], [%[w0], #24]\n\t"

/* The MAC loop, four blocks per branch, entered by the block count mod 4 (FARM_ASM_ENTER4),
 * until the weight pointer reaches the end pushed above the state pointer. */
#define RT_LOOP(BLOCK)                                                                             \
    FARM_ASM_ENTER4                                                                                \
    "1:\n\t"                                                                                       \
    BLOCK                                                                                          \
    "5:\n\t"                                                                                       \
    BLOCK                                                                                          \
    "7:\n\t"                                                                                       \
    BLOCK                                                                                          \
    "8:\n\t"                                                                                       \
    BLOCK                                                                                          \
    "ldr %[w0], [sp]\n\t"                                                                          \
    "cmp %[wp], %[w0]\n\t"                                                                         \
    "bne 1b\n\t"                                                                                   \
    "add sp, sp, #4\n\t"

/* The end of a channel pair, requantized: clamp to int8, store each row's two bytes as one
 * halfword (little-endian, rows oc apart), next pair; then the operands both kernels share
 * (the statement's closing parenthesis is the caller's). Scratch: x0 x1 x2 xp wp. */
#define RT_STORE_NEXT                                                                              \
    "ssat %[a00], #8, %[a00]\n\t"                                                                  \
    "ssat %[a10], #8, %[a10]\n\t"                                                                  \
    "ssat %[a20], #8, %[a20]\n\t"                                                                  \
    "ssat %[a01], #8, %[a01]\n\t"                                                                  \
    "ssat %[a11], #8, %[a11]\n\t"                                                                  \
    "ssat %[a21], #8, %[a21]\n\t"                                                                  \
    "bfi %[a00], %[a01], #8, #8\n\t"                                                               \
    "bfi %[a10], %[a11], #8, #8\n\t"                                                               \
    "bfi %[a20], %[a21], #8, #8\n\t"                                                               \
    "ldrd %[x1], %[x2], [%[w0], #16]\n\t"                                                          \
    "strh %[a10], [%[x1], %[x2]]\n\t"                                                              \
    "add %[xp], %[x1], %[x2], lsl #1\n\t"                                                          \
    "strh %[a20], [%[xp]]\n\t"                                                                     \
    "strh %[a00], [%[x1]], #2\n\t"                                                                 \
    "str %[x1], [%[w0], #16]\n\t"                                                                  \
    "ldr %[x2], [%[w0], #32]\n\t"                                                                  \
    "subs %[x2], %[x2], #1\n\t"                                                                    \
    "str %[x2], [%[w0], #32]\n\t"                                                                  \
    "bne 3b\n\t"                                                                                   \
    "add sp, sp, #4\n\t"                                                                           \
    : [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [w0] "+r"(w0), [w1] "=&r"(w1),               \
    [a00] "=&r"(a00), [a01] "=&r"(a01), [a10] "=&r"(a10), [a11] "=&r"(a11),                        \
    [a20] "=&r"(a20), [a21] "=&r"(a21), [xp] "=&r"(xp), [wp] "=&r"(wp), [off] "=&r"(off)           \
    :                                                                                              \
    : "cc", "memory"

/* The end of a channel pair in row_triple_asm: requantize with the records and output offset
 * the state points to, then RT_STORE_NEXT. */
#define RT_PAIR_FINISH                                                                             \
    "ldr %[w1], [%[w0], #12]\n\t"                                                                  \
    RT_RQ3("%[a00]", "%[a10]", "%[a20]", "0", "8")                                                 \
    RT_RQ3("%[a01]", "%[a11]", "%[a21]", "16", "24")                                               \
    "adds %[w1], %[w1], #32\n\t"                                                                   \
    "str %[w1], [%[w0], #12]\n\t"                                                                  \
    "ldr %[x0], [%[w0], #28]\n\t"                                                                  \
    "add %[a00], %[a00], %[x0]\n\t"                                                                \
    "add %[a10], %[a10], %[x0]\n\t"                                                                \
    "add %[a20], %[a20], %[x0]\n\t"                                                                \
    "add %[a01], %[a01], %[x0]\n\t"                                                                \
    "add %[a11], %[a11], %[x0]\n\t"                                                                \
    "add %[a21], %[a21], %[x0]\n\t"                                                                \
    RT_STORE_NEXT

/* Three rows (expanded) times all channel pairs, clamped to int8: 24 MACs per 30 cycles in
 * the loop, against 16 per 22 for the 2x2 block, because each row's bytes were sign-extended
 * once (row_triples) instead of once per channel pair. The row words are read with LDM,
 * whose registers must ascend: x0 x1 x2 are r0 r1 r2. The MAC loop ends when the weight
 * pointer reaches channel 0's end, pushed above the state pointer. */
static void row_triple_asm(rt_state_t *st)
{
    register int32_t x0 __asm__("r0");
    register int32_t x1 __asm__("r1");
    register int32_t x2 __asm__("r2");
    int32_t w0 = (int32_t)(intptr_t)st, w1, a00, a01, a10, a11, a20, a21, off;
    const int32_t *xp;
    const int8_t *wp;
    __asm__ volatile(
        RT_PAIR_START
        "add %[w1], %[wp], %[off]\n\t"
        "push {%[w1]}\n\t"
        /* Bits 2 and 3 of the depth (its block count mod 4) into N and C. */
        "lsls %[w1], %[off], #29\n\t"
        RT_LOOP(RT_BLOCK)
        /* The next pair's weights follow this pair's second row. */
        "ldr %[w0], [sp]\n\t"
        "add %[wp], %[wp], %[off]\n\t"
        "str %[wp], [%[w0], #24]\n\t"
        RT_PAIR_FINISH);
}
#if FARM_TRIPLE_WX_WORDS > 0
/* As RT_HALF with both channels' weight words expanded beforehand (row_triples_tiled), read with
 * one LDM: 13 cycles, 12 MACs. */
#define RX_HALF                                                                                    \
    "ldm %[wp]!, {%[w0], %[w1]}\n\t"                                                               \
    "ldm %[xp]!, {%[x0], %[x1], %[x2]}\n\t"                                                        \
    RT_MACS
#define RX_BLOCK RX_HALF RX_HALF

/* What row_triple_x_asm reads once per call; it pushes the first five (offsets fixed). */
typedef struct {
    const int32_t *x;   /* 0: the three rows, expanded */
    int32_t depth;      /* 4 */
    int8_t *o0;         /* 8: row 0's first output (rows 1 and 2 at stride and 2 stride on) */
    int32_t stride;     /* 12 */
    const int32_t *end; /* 16: the tile's end */
    const int32_t *w;   /* 20: the tile (farm_tile_pack) */
} rx_state_t;

/* RQ3_APPLY with the record at wp, advanced past it ({m, L, R, h}, the output offset folded
 * into h). Scratch: x0 x1 x2 xp off. */
#define RX_RQ3(A, B, C)                                                                            \
    "ldrd %[x0], %[x1], [%[wp]], #8\n\t"                                                           \
    "ldrd %[x2], %[xp], [%[wp]], #8\n\t"                                                           \
    RQ3_APPLY(A, B, C, "%[off]")

/* The 3-row kernel over a tile packed by farm_tile_pack: per channel pair its two biases, its
 * weights expanded (4 x depth bytes), its two records with the output offset folded into the
 * rounding term; the next pair's follow. 24 MACs per 26 cycles in the loop instead of 30, the
 * loop's end in a register, eight blocks per branch (4 cycles per eight blocks to loop,
 * against 6 per four). The weight pointer runs through the whole tile (biases, weights,
 * records, the next pair), so a pair costs no pointer reloads; the rows' base, depth, output
 * pointer, stride and the tile's end wait on the stack. Both LDMs need ascending registers:
 * x0 x1 x2 are r0 r1 r2, w0 w1 r3 r4 (so the push puts the five state words in order). */
static void row_triple_x_asm(const rx_state_t *st)
{
    register int32_t x0 __asm__("r0");
    register int32_t x1 __asm__("r1");
    register int32_t x2 __asm__("r2");
    register int32_t w0 __asm__("r3") = (int32_t)(intptr_t)st;
    register int32_t w1 __asm__("r4");
    int32_t a00, a01, a10, a11, a20, a21, off;
    const int32_t *xp;
    const int32_t *wp;
    __asm__ volatile(
        "ldr %[x0], [%[w0], #0]\n\t"
        "ldr %[x1], [%[w0], #4]\n\t"
        "ldr %[x2], [%[w0], #8]\n\t"
        "ldr %[w1], [%[w0], #12]\n\t"
        "ldr %[xp], [%[w0], #16]\n\t"
        "ldr %[wp], [%[w0], #20]\n\t"
        /* xp is none of r0-r4: pushed above them, as the state's fifth word. */
        "push {%[x0], %[x1], %[x2], %[w1], %[xp]}\n\t"
        "3:\n\t"
        "ldrd %[a00], %[a01], [%[wp]], #8\n\t"
        "mov %[a10], %[a00]\n\t"
        "mov %[a20], %[a00]\n\t"
        "mov %[a11], %[a01]\n\t"
        "mov %[a21], %[a01]\n\t"
        "ldrd %[xp], %[off], [sp]\n\t"
        "ubfx %[w1], %[off], #2, #3\n\t"
        /* The loop reads no offset: off holds the weights' end. */
        "add %[off], %[wp], %[off], lsl #2\n\t"
        /* Eight blocks per branch, entered where the block count mod 8 are left. */
        "tbh [pc, %[w1], lsl #1]\n\t"
        "10:\n\t"
        ".hword (1f - 10b) / 2, (17f - 10b) / 2, (16f - 10b) / 2, (15f - 10b) / 2\n\t"
        ".hword (14f - 10b) / 2, (13f - 10b) / 2, (12f - 10b) / 2, (11f - 10b) / 2\n\t"
        "1:\n\t"
        RX_BLOCK
        "11:\n\t"
        RX_BLOCK
        "12:\n\t"
        RX_BLOCK
        "13:\n\t"
        RX_BLOCK
        "14:\n\t"
        RX_BLOCK
        "15:\n\t"
        RX_BLOCK
        "16:\n\t"
        RX_BLOCK
        "17:\n\t"
        RX_BLOCK
        "cmp %[wp], %[off]\n\t"
        "bne 1b\n\t"
        RX_RQ3("%[a00]", "%[a10]", "%[a20]")
        RX_RQ3("%[a01]", "%[a11]", "%[a21]")
        "ssat %[a00], #8, %[a00]\n\t"
        "ssat %[a10], #8, %[a10]\n\t"
        "ssat %[a20], #8, %[a20]\n\t"
        "ssat %[a01], #8, %[a01]\n\t"
        "ssat %[a11], #8, %[a11]\n\t"
        "ssat %[a21], #8, %[a21]\n\t"
        "bfi %[a00], %[a01], #8, #8\n\t"
        "bfi %[a10], %[a11], #8, #8\n\t"
        "bfi %[a20], %[a21], #8, #8\n\t"
        /* Each row's two bytes as one halfword (little-endian), rows stride apart. */
        "ldrd %[x1], %[x2], [sp, #8]\n\t"
        "strh %[a10], [%[x1], %[x2]]\n\t"
        "add %[xp], %[x1], %[x2], lsl #1\n\t"
        "strh %[a20], [%[xp]]\n\t"
        "strh %[a00], [%[x1]], #2\n\t"
        "str %[x1], [sp, #8]\n\t"
        "ldr %[x2], [sp, #16]\n\t"
        "cmp %[wp], %[x2]\n\t"
        "bne 3b\n\t"
        "add sp, sp, #20\n\t"
        : [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [w0] "+r"(w0), [w1] "=&r"(w1),
          [a00] "=&r"(a00), [a01] "=&r"(a01), [a10] "=&r"(a10), [a11] "=&r"(a11),
          [a20] "=&r"(a20), [a21] "=&r"(a21), [xp] "=&r"(xp), [wp] "=&r"(wp), [off] "=&r"(off)
        :
        : "cc", "memory");
}
#undef RX_RQ3
#undef RX_HALF
#undef RX_BLOCK
#endif
#undef RT_HALF
#undef RT_MACS
#undef RT_BLOCK
#undef RT_RQ3
#undef RQ3_APPLY
#undef RT_PAIR_START
#undef RT_LOOP
#undef RT_PAIR_FINISH
#undef RT_STORE_NEXT

/* The odd last channel of a layer over the three expanded rows x (its weights at w, OHWI),
 * outputs at o0 + oc - 1, rows stride apart. */
static void triple_last_channel(const int32_t *x, int32_t depth, const int8_t *w, int32_t oc,
                                int32_t stride, const farm_rq_t *q, int8_t *o0)
{
    const int32_t c = oc - 1;
    const int8_t *wc = w + c * depth;
    const int32_t *r4 = q->rq + c * FARM_RQ_WORDS;
    int32_t a[3] = {q->bias[c], q->bias[c], q->bias[c]};
    for (int32_t k = 0; k < depth; k += 4, x += 6) {
        const int32_t v = farm_ld32(wc + k), we = FARM_SXTB16(v), wo = FARM_SXTB16_ROR8(v);
        for (int32_t r = 0; r < 3; r++) {
            a[r] = FARM_SMLAD(x[3 + r], wo, FARM_SMLAD(x[r], we, a[r]));
        }
    }
    for (int32_t r = 0; r < 3; r++) {
        o0[r * stride + c] = (int8_t)rq_fast_out(a[r], r4[0], r4[1], r4[2], r4[3], q->out_off,
                                                 -128, 127, 1);
    }
}

/* All channels of the three expanded rows x: the channel pairs in row_triple_asm, an odd last
 * channel from the same words. Outputs at o0, rows stride apart. */
static void triple_channels(const int32_t *x, int32_t depth, const int8_t *w, int32_t oc,
                            int32_t stride, const farm_rq_t *q, int8_t *o0)
{
    rt_state_t st = {x, depth, q->bias, q->rq, o0, stride, w, q->out_off, oc >> 1};
    row_triple_asm(&st);
    if (oc & 1) {
        triple_last_channel(x, depth, w, oc, stride, q, o0);
    }
}

#if FARM_TRIPLE_WX_WORDS > 0
#if !FARM_TILES
#error "farm_kernels.h's FARM_TILES disagrees with the kernels built here"
#endif

/* Whether row_triples_tiled takes a layer: rows not deeper than its row buffer, right shifts
 * that let the output offset be folded, and cycles to gain. Per block of 4 bytes of depth (by
 * the twins' cycle model): each triple saves 4 cycles per pair of the tile; packing the tile
 * costs about 13 per pair; with more than one tile, each tile expands every triple's rows
 * again, about 22. (Counting the flash stalls the tile saves as well took VWW's 3x3-pixel
 * layers too, and lost 0.1 ms.) */
static int tiled_applies(int32_t rows, int32_t depth, int32_t oc, const farm_rq_t *q)
{
    const int32_t tile = farm_tile_pairs(depth), pairs = oc >> 1;
    const int32_t n = tile < pairs ? tile : pairs, again = tile < pairs ? 22 : 0;
    if (depth > TILED_MAX_DEPTH || n < 1 || (rows / 3) * (4 * n - again) <= 13 * n) {
        return 0;
    }
    return farm_rq_offset_folds(q->rq, oc);
}

int32_t farm_tile_pairs(int32_t depth)
{
    return FARM_TRIPLE_WX_WORDS / FARM_TILE_PAIR_WORDS(depth);
}

void farm_tile_pack(int32_t *wx, const int8_t *w, int32_t w_row, int32_t depth, int32_t p0,
                    int32_t n, const farm_rq_t *q)
{
    int32_t *e = wx;
    for (int32_t c = 2 * p0; c < 2 * (p0 + n); c += 2) {
        *e++ = q->bias[c];
        *e++ = q->bias[c + 1];
        const int8_t *w0 = w + c * w_row;
        for (int32_t k = 0; k < depth; k += 4, e += 4) {
            const int32_t v0 = farm_ld32(w0 + k), v1 = farm_ld32(w0 + w_row + k);
            e[0] = FARM_SXTB16(v0);
            e[1] = FARM_SXTB16(v1);
            e[2] = FARM_SXTB16_ROR8(v0);
            e[3] = FARM_SXTB16_ROR8(v1);
        }
        for (int32_t j = 0; j < 2; j++, e += FARM_RQ_WORDS) {
            const int32_t *r = q->rq + (c + j) * FARM_RQ_WORDS;
            e[0] = r[0];
            e[1] = r[1];
            e[2] = r[2];
            e[3] = farm_rq_fold_offset(r, q->out_off);
        }
    }
}

/* Pairs of a tile one staged triple takes (farm_tile_rows with fewer than three rows). */
#define STAGED_PAIRS 32

void farm_tile_rows(const int32_t *x, int32_t depth, const int32_t *wx, int32_t n, int8_t *o,
                    int32_t stride, int32_t rows)
{
    if (rows >= 3) {
        const rx_state_t st = {x, depth, o, stride, wx + n * FARM_TILE_PAIR_WORDS(depth), wx};
        row_triple_x_asm(&st);
        return;
    }
    /* The kernel writes three rows: the missing ones go to the stack and are dropped. */
    int8_t staged[3 * 2 * STAGED_PAIRS];
    for (int32_t p0 = 0; p0 < n; p0 += STAGED_PAIRS, wx += STAGED_PAIRS * FARM_TILE_PAIR_WORDS(depth)) {
        const int32_t m = n - p0 < STAGED_PAIRS ? n - p0 : STAGED_PAIRS;
        const rx_state_t st = {x, depth, staged, 2 * m, wx + m * FARM_TILE_PAIR_WORDS(depth), wx};
        row_triple_x_asm(&st);
        for (int32_t r = 0; r < rows; r++) {
            farm_copy_short(o + r * stride + 2 * p0, staged + r * 2 * m, 2 * m);
        }
    }
}

/* The rows in threes, as row_triples_sat8, a tile of channel pairs at a time: the tile packed
 * once into wx (farm_tile_pack), then every triple over it. Returns the rows done. */
static __attribute__((noinline)) int32_t row_triples_tiled(const int8_t *in, int32_t rows,
                                                           int32_t depth, const int8_t *w,
                                                           int32_t oc, const farm_rq_t *q,
                                                           int8_t *out)
{
    int32_t wx[FARM_TRIPLE_WX_WORDS];
    int32_t x[TILED_MAX_DEPTH / 4 * 6];
    const int32_t pairs = oc >> 1, triples = rows / 3;
    const int32_t tile = farm_tile_pairs(depth);
    for (int32_t p0 = 0; p0 < pairs; p0 += tile) {
        const int32_t n = pairs - p0 < tile ? pairs - p0 : tile;
        farm_tile_pack(wx, w, depth, depth, p0, n, q);
        const int last = p0 + n == pairs && (oc & 1);
        const int8_t *r = in;
        int8_t *o = out;
        for (int32_t t = 0; t < triples; t++, r += 3 * depth, o += 3 * oc) {
            farm_expand_windows(x, r, 1, depth, 0, depth);
            farm_tile_rows(x, depth, wx, n, o + 2 * p0, oc, 3);
            if (last) {
                triple_last_channel(x, depth, w, oc, oc, q, o);
            }
        }
    }
    return triples * 3;
}
#endif

/* Rows in three at a time while three are left (each triple's bytes expanded once, then every
 * channel over them). Returns the rows done. */
static __attribute__((noinline)) int32_t row_triples_sat8(const int8_t *in, int32_t rows,
                                                          int32_t depth, const int8_t *w,
                                                          int32_t oc, const farm_rq_t *q,
                                                          int8_t *out)
{
    int32_t x[TRIPLE_WORDS];
    int32_t done = 0;
    for (; done + 3 <= rows; done += 3, in += 3 * depth, out += 3 * oc) {
        farm_expand_windows(x, in, 1, depth, 0, depth);
        triple_channels(x, depth, w, oc, oc, q, out);
    }
    return done;
}

/* Three output pixels of a convolution read straight from the input, as farm_conv_pair's two:
 * their windows expanded window row by window row, then every channel over them. */
static __attribute__((noinline)) void direct_triple_sat8(const farm_conv_pair_t *g,
                                                         const int8_t *x0, int8_t *o0)
{
    int32_t x[TRIPLE_WORDS];
    farm_expand_windows(x, x0, g->k_h, g->seg, g->x_row, g->xoff);
    triple_channels(x, g->k_h * g->seg, g->w, g->out_c, g->out_stride, g->q, o0);
}
#endif

/* noinline: each instantiation is one small function whose loop state fits the registers. */
static __attribute__((noinline)) void row_pairs_sat8(const int8_t *in, int32_t pairs,
                                                     int32_t depth, const int8_t *w, int32_t oc,
                                                     const farm_rq_t *q, int8_t *out)
{
#if FARM_ROW_PAIR_ASM
    if ((depth & 3) == 0 && oc >= 2) {
        for (int32_t r = 0; r < pairs; r++, in += 2 * depth, out += 2 * oc) {
            rp_state_t st = {in, depth - 4, depth >> 2, q->bias, q->rq, out, oc, w, q->out_off,
                             oc >> 1};
            row_pair_asm(&st);
            if (oc & 1) { /* the odd last channel */
                const int32_t c = oc - 1;
                const int8_t *wc = w + c * depth;
                const int32_t *r4 = q->rq + c * FARM_RQ_WORDS;
                int32_t a0 = q->bias[c], a1 = q->bias[c];
                for (int32_t k = 0; k < depth; k++) {
                    a0 += (int32_t)in[k] * wc[k];
                    a1 += (int32_t)in[depth + k] * wc[k];
                }
                out[c] = (int8_t)rq_fast_out(a0, r4[0], r4[1], r4[2], r4[3], q->out_off, -128,
                                             127, 1);
                out[oc + c] = (int8_t)rq_fast_out(a1, r4[0], r4[1], r4[2], r4[3], q->out_off,
                                                  -128, 127, 1);
            }
        }
        return;
    }
#endif
    for (int32_t r = 0; r < pairs; r++, in += 2 * depth, out += 2 * oc) {
        row_pair(in, depth, w, oc, q, out, 1);
    }
}

static __attribute__((noinline)) void row_pairs_clamp(const int8_t *in, int32_t pairs,
                                                      int32_t depth, const int8_t *w, int32_t oc,
                                                      const farm_rq_t *q, int8_t *out)
{
    for (int32_t r = 0; r < pairs; r++, in += 2 * depth, out += 2 * oc) {
        row_pair(in, depth, w, oc, q, out, 0);
    }
}

int32_t farm_matmul_row_pairs(const int8_t *in, int32_t rows, int32_t depth, const int8_t *w,
                              int32_t oc, const farm_rq_t *q, int8_t *out)
{
    if (q->mode != FARM_RQ_FAST || rows < 2) {
        return 0;
    }
    const int sat8 = q->act_min <= -128 && q->act_max >= 127;
    int32_t done = 0;
#if FARM_ROW_PAIR_ASM && FARM_ROW_TRIPLE_MAX_DEPTH > 0
    if (farm_takes_triples(q, depth, oc)) {
        done = row_triples_sat8(in, rows, depth, w, oc, q, out);
        in += done * depth;
        out += done * oc;
    }
#endif
    const int32_t pairs = (rows - done) >> 1;
    if (pairs == 0) {
        return done;
    }
    if (sat8) {
        row_pairs_sat8(in, pairs, depth, w, oc, q, out);
    } else {
        row_pairs_clamp(in, pairs, depth, w, oc, q, out);
    }
    return done + 2 * pairs;
}

int32_t farm_matmul_row_tiles(const int8_t *in, int32_t rows, int32_t depth, const int8_t *w,
                              int32_t oc, const farm_rq_t *q, int8_t *out)
{
#if FARM_ROW_PAIR_ASM && FARM_TRIPLE_WX_WORDS > 0
    if (farm_takes_triples(q, depth, oc) && tiled_applies(rows, depth, oc, q)) {
        return row_triples_tiled(in, rows, depth, w, oc, q, out);
    }
#else
    (void)in, (void)rows, (void)depth, (void)w, (void)oc, (void)q, (void)out;
#endif
    return 0;
}

static __attribute__((noinline)) void direct_pair_sat8(const farm_conv_pair_t *g,
                                                       const int8_t *x0, int8_t *o0)
{
#if FARM_ROW_PAIR_ASM
    if (g->out_c >= 2) {
        const farm_rq_t *q = g->q;
        const int32_t depth = g->k_h * g->seg;
        dp_state_t st = {x0,         g->xoff - 4,  depth - 4, q->bias,   q->rq,
                         o0,         g->out_stride, g->w,     q->out_off, g->out_c >> 1,
                         g->seg,     g->x_row - g->seg, g->k_h, 0};
        direct_pair_asm(&st);
        if (g->out_c & 1) {
            direct_last_channel(g, x0, o0, 1);
        }
        return;
    }
#endif
    direct_pair(g, x0, o0, 1);
}

static __attribute__((noinline)) void direct_pair_clamp(const farm_conv_pair_t *g,
                                                        const int8_t *x0, int8_t *o0)
{
    direct_pair(g, x0, o0, 0);
}

int farm_takes_triples(const farm_rq_t *q, int32_t depth, int32_t out_c)
{
#if FARM_ROW_PAIR_ASM && FARM_ROW_TRIPLE_MAX_DEPTH > 0
    return q->mode == FARM_RQ_FAST && q->act_min <= -128 && q->act_max >= 127 &&
           (depth & 3) == 0 && depth <= FARM_ROW_TRIPLE_MAX_DEPTH && out_c >= 2;
#else
    (void)q, (void)depth, (void)out_c;
    return 0;
#endif
}

void farm_conv_triple(const farm_conv_pair_t *g, const int8_t *x0, int8_t *o0)
{
#if FARM_ROW_PAIR_ASM && FARM_ROW_TRIPLE_MAX_DEPTH > 0
    direct_triple_sat8(g, x0, o0);
#else
    (void)g, (void)x0, (void)o0; /* never called: farm_takes_triples says no */
#endif
}

void farm_conv_pair(const farm_conv_pair_t *g, const int8_t *x0, int8_t *o0)
{
    if (g->q->act_min <= -128 && g->q->act_max >= 127) {
        direct_pair_sat8(g, x0, o0);
    } else {
        direct_pair_clamp(g, x0, o0);
    }
}

#else

int32_t farm_matmul_row_pairs(const int8_t *in, int32_t rows, int32_t depth, const int8_t *w,
                              int32_t oc, const farm_rq_t *q, int8_t *out)
{
    (void)in, (void)rows, (void)depth, (void)w, (void)oc, (void)q, (void)out;
    return 0; /* plain C: farm_matmul's own loops */
}

int32_t farm_matmul_row_tiles(const int8_t *in, int32_t rows, int32_t depth, const int8_t *w,
                              int32_t oc, const farm_rq_t *q, int8_t *out)
{
    (void)in, (void)rows, (void)depth, (void)w, (void)oc, (void)q, (void)out;
    return 0;
}

void farm_conv_pair(const farm_conv_pair_t *g, const int8_t *x0, int8_t *o0)
{
    (void)g, (void)x0, (void)o0; /* never called: farm_k_conv gathers on plain-C builds */
}

int farm_takes_triples(const farm_rq_t *q, int32_t depth, int32_t out_c)
{
    (void)q, (void)depth, (void)out_c;
    return 0;
}

void farm_conv_triple(const farm_conv_pair_t *g, const int8_t *x0, int8_t *o0)
{
    (void)g, (void)x0, (void)o0; /* never called: farm_takes_triples says no */
}

#endif /* FARM_USE_DSP */
