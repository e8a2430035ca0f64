/*
 * k_fully_connected.c - int8 matrix product: FULLY_CONNECTED and pointwise (1x1) CONV_2D.
 *
 * acc = bias' + sum(x * w), where the compiler folded the input zero point into bias'
 * (bias + in_offset * sum(w)); TFLite's sum((x + in_offset) * w) + bias is the same integer.
 * Params: rows, depth, out_c, out_offset, act_min, act_max, fast requantization flag.
 * Consts: weights [out_c][depth] int8, bias' int32[out_c], requantization records int32[out_c][4].
 */
#include "farm_fixedpoint.h"
#include "farm_kernels.h"
#include "farm_mac_asm.h"
#include "farm_simd.h"

/* `mode` and `sat8` are compile-time constants in each instantiation of matmul_impl, so the
 * rounding choice costs nothing per output, and an activation range of [-128, 127] (sat8) is
 * clamped by one SSAT. `r` is the channel's requantization record. */
static inline __attribute__((always_inline)) int8_t rq_out(const farm_rq_t *q, int32_t acc,
                                                           const int32_t *r, const int mode,
                                                           const int sat8)
{
    const int32_t v = farm_rq_apply(acc, r, mode) + q->out_off;
    return (int8_t)(sat8 ? FARM_SSAT8(v) : farm_clamp8(v, q->act_min, q->act_max));
}

#define RQ(c) (q->rq + (c) * FARM_RQ_WORDS)

#if FARM_USE_DSP
/* One row times one weight row, 4 MACs per 2 SMLAD. */
static int32_t dot_1x1(const int8_t *x, const int8_t *w, int32_t n, int32_t acc)
{
    int32_t k = 0;
    for (; k + 3 < n; k += 4) {
        const int32_t xv = farm_ld32(x + k), wv = farm_ld32(w + k);
        acc = FARM_SMLAD(FARM_SXTB16(xv), FARM_SXTB16(wv), acc);
        acc = FARM_SMLAD(FARM_SXTB16_ROR8(xv), FARM_SXTB16_ROR8(wv), acc);
    }
    for (; k < n; k++) {
        acc += (int32_t)x[k] * (int32_t)w[k];
    }
    return acc;
}

/* One input word times four weight rows' words: 16 MACs per 5 LDR, 10 SXTB16, 8 SMLAD. */
#define X1W4_BODY                                                                                  \
    "ldr %[xv], [%[xp]], #4\n\t"                                                                   \
    "ldr %[wv], [%[wp]], #4\n\t"                                                                   \
    "sxtb16 %[xe], %[xv]\n\t"                                                                      \
    "sxtb16 %[xv], %[xv], ror #8\n\t"                                                              \
    "sxtb16 %[wt], %[wv]\n\t"                                                                      \
    "sxtb16 %[wv], %[wv], ror #8\n\t"                                                              \
    "smlad %[a0], %[xe], %[wt], %[a0]\n\t"                                                         \
    "smlad %[a0], %[xv], %[wv], %[a0]\n\t"                                                         \
    "ldr %[wv], [%[wp], %[n4]]\n\t"                                                                \
    "sxtb16 %[wt], %[wv]\n\t"                                                                      \
    "sxtb16 %[wv], %[wv], ror #8\n\t"                                                              \
    "smlad %[a1], %[xe], %[wt], %[a1]\n\t"                                                         \
    "smlad %[a1], %[xv], %[wv], %[a1]\n\t"                                                         \
    "ldr %[wv], [%[wq]], #4\n\t"                                                                   \
    "sxtb16 %[wt], %[wv]\n\t"                                                                      \
    "sxtb16 %[wv], %[wv], ror #8\n\t"                                                              \
    "smlad %[a2], %[xe], %[wt], %[a2]\n\t"                                                         \
    "smlad %[a2], %[xv], %[wv], %[a2]\n\t"                                                         \
    "ldr %[wv], [%[wq], %[n4]]\n\t"                                                                \
    "sxtb16 %[wt], %[wv]\n\t"                                                                      \
    "sxtb16 %[wv], %[wv], ror #8\n\t"                                                              \
    "smlad %[a3], %[xe], %[wt], %[a3]\n\t"                                                         \
    "smlad %[a3], %[xv], %[wv], %[a3]\n\t"

/* One input row times four weight rows (the FULLY_CONNECTED case, one row per inference):
 * the input word is widened once for four channels. */
static __attribute__((noinline)) void block_1x4(const int8_t *x, const int8_t *w, int32_t n,
                                                int32_t acc[4])
{
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    int32_t blocks = n >> 2;
    const int8_t *w2 = w + 2 * n;
#if FARM_ASM_KERNELS
    if (blocks > 0) {
        /* Rows 1 and 3 sit n bytes after rows 0 and 2: after the post-incremented loads they
         * are at [p, n - 4]. 13 registers. */
        const int32_t n4 = n - 4;
        int32_t xv, xe, wv, wt;
        /* Two blocks per branch, as in farm_macs_2x2 (an odd first block enters at the second
         * copy): 24 instructions per 16 MACs. */
        __asm__ volatile(
            FARM_ASM_LOOP2(X1W4_BODY)
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xp] "+r"(x),
              [wp] "+r"(w), [wq] "+r"(w2), [cnt] "+r"(blocks), [xv] "=&r"(xv), [xe] "=&r"(xe),
              [wv] "=&r"(wv), [wt] "=&r"(wt)
            : [n4] "r"(n4)
            : "cc", "memory");
    }
#else
    for (; blocks > 0; blocks--, x += 4, w += 4, w2 += 4) {
        const int32_t xv = farm_ld32(x);
        const int32_t xe = FARM_SXTB16(xv), xo = FARM_SXTB16_ROR8(xv);
        const int32_t w0 = farm_ld32(w), w1 = farm_ld32(w + n);
        const int32_t w2v = farm_ld32(w2), w3 = farm_ld32(w2 + n);
        a0 = FARM_SMLAD(xo, FARM_SXTB16_ROR8(w0), FARM_SMLAD(xe, FARM_SXTB16(w0), a0));
        a1 = FARM_SMLAD(xo, FARM_SXTB16_ROR8(w1), FARM_SMLAD(xe, FARM_SXTB16(w1), a1));
        a2 = FARM_SMLAD(xo, FARM_SXTB16_ROR8(w2v), FARM_SMLAD(xe, FARM_SXTB16(w2v), a2));
        a3 = FARM_SMLAD(xo, FARM_SXTB16_ROR8(w3), FARM_SMLAD(xe, FARM_SXTB16(w3), a3));
    }
#endif
    for (int32_t k = 0; k < (n & 3); k++) {
        const int32_t xv = x[k];
        a0 += xv * w[k];
        a1 += xv * w[n + k];
        a2 += xv * w2[k];
        a3 += xv * w2[n + k];
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

static inline __attribute__((always_inline)) void matmul_impl(const int8_t *in, int32_t rows,
                                                              int32_t depth, const int8_t *w,
                                                              int32_t oc, const farm_rq_t *qp,
                                                              int8_t *out, const int mode,
                                                              const int sat8)
{
    const farm_rq_t qv = *qp; /* a local copy: stores through `out` cannot alias it */
    const farm_rq_t *q = &qv;
    int32_t r = 0;
    for (; r + 1 < rows; r += 2) {
        const int8_t *x0 = in + r * depth;
        const int8_t *x1 = x0 + depth;
        int8_t *o0 = out + r * oc;
        int8_t *o1 = o0 + oc;
        int32_t c = 0;
        for (; c + 1 < oc; c += 2) {
            int32_t acc[4] = {q->bias[c], q->bias[c + 1], q->bias[c], q->bias[c + 1]};
            farm_macs_2x2(x0, w + c * depth, depth, acc);
            /* Each channel's record read once for both rows, all four results computed before
             * the stores. */
            const int8_t r00 = rq_out(q, acc[0], RQ(c), mode, sat8);
            const int8_t r10 = rq_out(q, acc[2], RQ(c), mode, sat8);
            const int8_t r01 = rq_out(q, acc[1], RQ(c + 1), mode, sat8);
            const int8_t r11 = rq_out(q, acc[3], RQ(c + 1), mode, sat8);
            o0[c] = r00;
            o0[c + 1] = r01;
            o1[c] = r10;
            o1[c + 1] = r11;
        }
        for (; c < oc; c++) {
            o0[c] = rq_out(q, dot_1x1(x0, w + c * depth, depth, q->bias[c]), RQ(c), mode, sat8);
            o1[c] = rq_out(q, dot_1x1(x1, w + c * depth, depth, q->bias[c]), RQ(c), mode, sat8);
        }
    }
    for (; r < rows; r++) {
        const int8_t *x = in + r * depth;
        int8_t *o = out + r * oc;
        int32_t c = 0;
        for (; c + 3 < oc; c += 4) {
            int32_t acc[4] = {q->bias[c], q->bias[c + 1], q->bias[c + 2], q->bias[c + 3]};
            block_1x4(x, w + c * depth, depth, acc);
            const int8_t r0 = rq_out(q, acc[0], RQ(c), mode, sat8);
            const int8_t r1 = rq_out(q, acc[1], RQ(c + 1), mode, sat8);
            const int8_t r2 = rq_out(q, acc[2], RQ(c + 2), mode, sat8);
            const int8_t r3 = rq_out(q, acc[3], RQ(c + 3), mode, sat8);
            o[c] = r0;
            o[c + 1] = r1;
            o[c + 2] = r2;
            o[c + 3] = r3;
        }
        for (; c < oc; c++) {
            o[c] = rq_out(q, dot_1x1(x, w + c * depth, depth, q->bias[c]), RQ(c), mode, sat8);
        }
    }
}
#else
static inline __attribute__((always_inline)) void matmul_impl(const int8_t *in, int32_t rows,
                                                              int32_t depth, const int8_t *w,
                                                              int32_t oc, const farm_rq_t *qp,
                                                              int8_t *out, const int mode,
                                                              const int sat8)
{
    const farm_rq_t qv = *qp;
    const farm_rq_t *q = &qv;
    int32_t r = 0;
    /* Two rows by two output channels: each loaded value feeds two multiply-accumulates. */
    for (; r + 1 < rows; r += 2) {
        const int8_t *x0 = in + r * depth;
        const int8_t *x1 = x0 + depth;
        int32_t c = 0;
        for (; c + 1 < oc; c += 2) {
            const int8_t *w0 = w + c * depth;
            const int8_t *w1 = w0 + depth;
            int32_t a00 = q->bias[c], a01 = q->bias[c + 1], a10 = a00, a11 = a01;
            for (int32_t k = 0; k < depth; k++) {
                const int32_t xa = x0[k], xb = x1[k], wa = w0[k], wb = w1[k];
                a00 += xa * wa;
                a01 += xa * wb;
                a10 += xb * wa;
                a11 += xb * wb;
            }
            out[r * oc + c] = rq_out(q, a00, RQ(c), mode, sat8);
            out[r * oc + c + 1] = rq_out(q, a01, RQ(c + 1), mode, sat8);
            out[(r + 1) * oc + c] = rq_out(q, a10, RQ(c), mode, sat8);
            out[(r + 1) * oc + c + 1] = rq_out(q, a11, RQ(c + 1), mode, sat8);
        }
        for (; c < oc; c++) {
            const int8_t *wr = w + c * depth;
            int32_t a0 = q->bias[c], a1 = a0;
            for (int32_t k = 0; k < depth; k++) {
                a0 += (int32_t)x0[k] * wr[k];
                a1 += (int32_t)x1[k] * wr[k];
            }
            out[r * oc + c] = rq_out(q, a0, RQ(c), mode, sat8);
            out[(r + 1) * oc + c] = rq_out(q, a1, RQ(c), mode, sat8);
        }
    }
    for (; r < rows; r++) {
        const int8_t *x = in + r * depth;
        int32_t c = 0;
        /* One row by four output channels: each input byte feeds four multiply-accumulates. */
        for (; c + 3 < oc; c += 4) {
            const int8_t *w0 = w + c * depth;
            int32_t a0 = q->bias[c], a1 = q->bias[c + 1], a2 = q->bias[c + 2], a3 = q->bias[c + 3];
            for (int32_t k = 0; k < depth; k++) {
                const int32_t xv = x[k];
                a0 += xv * w0[k];
                a1 += xv * w0[depth + k];
                a2 += xv * w0[2 * depth + k];
                a3 += xv * w0[3 * depth + k];
            }
            out[r * oc + c] = rq_out(q, a0, RQ(c), mode, sat8);
            out[r * oc + c + 1] = rq_out(q, a1, RQ(c + 1), mode, sat8);
            out[r * oc + c + 2] = rq_out(q, a2, RQ(c + 2), mode, sat8);
            out[r * oc + c + 3] = rq_out(q, a3, RQ(c + 3), mode, sat8);
        }
        for (; c < oc; c++) {
            const int8_t *wr = w + c * depth;
            int32_t acc = q->bias[c];
            for (int32_t k = 0; k < depth; k++) {
                acc += (int32_t)x[k] * (int32_t)wr[k];
            }
            out[r * oc + c] = rq_out(q, acc, RQ(c), mode, sat8);
        }
    }
}
#endif

/* farm_matmul after `done` rows. */
static void matmul_rest(const int8_t *in, int32_t rows, int32_t done, int32_t depth,
                        const int8_t *w, int32_t oc, const farm_rq_t *q, int8_t *out)
{
    /* Row pairs with the fast requantization: the 2x2 kernel of k_conv_matmul.c. */
    in += done * depth;
    out += done * oc;
    rows -= done;
    done = farm_matmul_row_pairs(in, rows, depth, w, oc, q, out);
    in += done * depth;
    out += done * oc;
    rows -= done;
    /* Four instantiations, all constants inside the loops: the fast requantization with each
     * clamp kind, the other two modes with the general clamp (as farm_fc_interleaved). */
    const int sat8 = q->act_min <= -128 && q->act_max >= 127;
    if (q->mode == FARM_RQ_FAST) {
        if (sat8) {
            matmul_impl(in, rows, depth, w, oc, q, out, FARM_RQ_FAST, 1);
        } else {
            matmul_impl(in, rows, depth, w, oc, q, out, FARM_RQ_FAST, 0);
        }
    } else if (q->mode == FARM_RQ_SINGLE) {
        matmul_impl(in, rows, depth, w, oc, q, out, FARM_RQ_SINGLE, 0);
    } else {
        matmul_impl(in, rows, depth, w, oc, q, out, FARM_RQ_DOUBLE, 0);
    }
}

void farm_matmul(const int8_t *in, int32_t rows, int32_t depth, const int8_t *w, int32_t oc,
                 const farm_rq_t *q, int8_t *out)
{
    const int32_t done = farm_matmul_row_tiles(in, rows, depth, w, oc, q, out);
    matmul_rest(in, rows, done, depth, w, oc, q, out);
}

void farm_matmul_few(const int8_t *in, int32_t rows, int32_t depth, const int8_t *w, int32_t oc,
                     const farm_rq_t *q, int8_t *out)
{
    matmul_rest(in, rows, 0, depth, w, oc, q, out);
}

void farm_k_fully_connected(const farm_op_t *op)
{
    const int32_t *p = op->p;
    const farm_rq_t q = {(const int32_t *)op->c[1], (const int32_t *)op->c[2], p[3], p[4], p[5],
                         farm_rq_mode(op, p[6])};
    if (op->n_p > 7 && p[7] == FARM_FC_WEIGHTS_INTERLEAVED4) {
        farm_fc_interleaved(op->t[0], p[0], p[1], (const int8_t *)op->c[0], p[2], &q,
                            op->t[op->n_t - 1]);
        return;
    }
    farm_matmul(op->t[0], p[0], p[1], (const int8_t *)op->c[0], p[2], &q, op->t[op->n_t - 1]);
}
