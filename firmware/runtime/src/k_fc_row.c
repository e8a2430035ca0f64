/*
 * k_fc_row.c - FULLY_CONNECTED on weights in the 4-channel interleaved layout (blob format 3,
 * FULLY_CONNECTED parameter 8 = 1; BLOB.md). The compiler picks it for one input row (every
 * layer of the AD autoencoder, the classifier heads of the others).
 *
 * With one row, each weight byte is used once: the weights stream from flash and cannot be
 * blocked for reuse, so what is left is the core's work per weight. Per 4 depth x 4 channels:
 * 5 LDR, 10 SXTB16, 8 SMLAD. In the interleaved layout the four channels' words of one depth
 * group are 16 consecutive bytes, read through one pointer; that frees the two registers the
 * row offsets took, so the loads can be grouped for the Cortex-M4 to pipeline the back-to-back
 * ones (TRM 3.3.2: a load after a load whose address does not use its result takes 1 cycle):
 * {x, ch 1, ch 0} then {ch 3, ch 2}, 7 load cycles instead of 9, and the loop runs four groups
 * per branch. Requantization is done for four channels at once, without a call per block.
 *
 * Layout of a block of channels 4b..4b+3 (4 x depth bytes from b x 4 x depth): for each depth
 * group g < depth / 4, w[4b][4g..4g+3], w[4b+1][4g..], w[4b+2][4g..], w[4b+3][4g..]; then the
 * depth tail (depth % 4 bytes) of each of the four channels in turn. The last out_c % 4
 * channels follow as plain rows.
 */
#include "farm_fixedpoint.h"
#include "farm_kernels.h"
#include "farm_simd.h"

static inline __attribute__((always_inline)) int8_t fc_out(const farm_rq_t *q, int32_t acc,
                                                           const int32_t *r, const int mode,
                                                           const int sat8)
{
    const int32_t v = farm_rq_apply(acc, r, mode) + q->out_off;
#if FARM_USE_DSP
    return (int8_t)(sat8 ? FARM_SSAT8(v) : farm_clamp8(v, q->act_min, q->act_max));
#else
    (void)sat8;
    return farm_clamp8(v, q->act_min, q->act_max);
#endif
}

/* *a0..*a3 += x[0..4*groups) . the block's interleaved groups (groups >= 1); returns past
 * them. Four scalars, not an array: an array would live on the stack across the asm. */
static inline __attribute__((always_inline)) const int8_t *
dot_4ch(const int8_t *x, const int8_t *w, int32_t groups, int32_t *acc0, int32_t *acc1,
        int32_t *acc2, int32_t *acc3)
{
    int32_t a0 = *acc0, a1 = *acc1, a2 = *acc2, a3 = *acc3;
#if FARM_ASM_KERNELS
    /* Eight groups per branch (2 cycles of SUBS+BNE per 128 MACs); the groups past a multiple
     * of eight first, one per branch. */
    int32_t xe, xo, wa, wb, t;
    int32_t rest = groups & 7, passes = groups >> 3;
#define FC4_BODY                                                                                  \
    "ldr %[xo], [%[xp]], #4\n\t"                                                                  \
    "ldr %[wb], [%[wp], #4]\n\t"                                                                  \
    "ldr %[wa], [%[wp]], #16\n\t"                                                                 \
    "sxtb16 %[xe], %[xo]\n\t"                                                                     \
    "sxtb16 %[xo], %[xo], ror #8\n\t"                                                             \
    "sxtb16 %[t], %[wa]\n\t"                                                                      \
    "sxtb16 %[wa], %[wa], ror #8\n\t"                                                             \
    "smlad %[a0], %[xe], %[t], %[a0]\n\t"                                                         \
    "smlad %[a0], %[xo], %[wa], %[a0]\n\t"                                                        \
    "sxtb16 %[t], %[wb]\n\t"                                                                      \
    "sxtb16 %[wb], %[wb], ror #8\n\t"                                                             \
    "smlad %[a1], %[xe], %[t], %[a1]\n\t"                                                         \
    "smlad %[a1], %[xo], %[wb], %[a1]\n\t"                                                        \
    "ldr %[wb], [%[wp], #-4]\n\t"                                                                 \
    "ldr %[wa], [%[wp], #-8]\n\t"                                                                 \
    "sxtb16 %[t], %[wa]\n\t"                                                                      \
    "sxtb16 %[wa], %[wa], ror #8\n\t"                                                             \
    "smlad %[a2], %[xe], %[t], %[a2]\n\t"                                                         \
    "smlad %[a2], %[xo], %[wa], %[a2]\n\t"                                                        \
    "sxtb16 %[t], %[wb]\n\t"                                                                      \
    "sxtb16 %[wb], %[wb], ror #8\n\t"                                                             \
    "smlad %[a3], %[xe], %[t], %[a3]\n\t"                                                         \
    "smlad %[a3], %[xo], %[wb], %[a3]\n\t"
#define FC4_LOOP(copies)                                                                          \
    __asm__ volatile("1:\n\t" copies "subs %[cnt], %[cnt], #1\n\t"                                \
                     "bne 1b\n\t"                                                                 \
                     : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xp] "+r"(x),  \
                       [wp] "+r"(w), [xe] "=&r"(xe), [xo] "=&r"(xo), [wa] "=&r"(wa),             \
                       [wb] "=&r"(wb), [t] "=&r"(t)
    if (rest > 0) {
        FC4_LOOP(FC4_BODY), [cnt] "+r"(rest) : : "cc", "memory");
    }
    if (passes > 0) {
        FC4_LOOP(FC4_BODY FC4_BODY FC4_BODY FC4_BODY FC4_BODY FC4_BODY FC4_BODY FC4_BODY),
            [cnt] "+r"(passes) : : "cc", "memory");
    }
#undef FC4_LOOP
#undef FC4_BODY
#elif FARM_USE_DSP
    for (; groups > 0; groups--, x += 4, w += 16) {
        const int32_t xv = farm_ld32(x);
        const int32_t xe = FARM_SXTB16(xv), xo = FARM_SXTB16_ROR8(xv);
        const int32_t w0 = farm_ld32(w), w1 = farm_ld32(w + 4);
        const int32_t w2 = farm_ld32(w + 8), w3 = farm_ld32(w + 12);
        a0 = FARM_SMLAD(xo, FARM_SXTB16_ROR8(w0), FARM_SMLAD(xe, FARM_SXTB16(w0), a0));
        a1 = FARM_SMLAD(xo, FARM_SXTB16_ROR8(w1), FARM_SMLAD(xe, FARM_SXTB16(w1), a1));
        a2 = FARM_SMLAD(xo, FARM_SXTB16_ROR8(w2), FARM_SMLAD(xe, FARM_SXTB16(w2), a2));
        a3 = FARM_SMLAD(xo, FARM_SXTB16_ROR8(w3), FARM_SMLAD(xe, FARM_SXTB16(w3), a3));
    }
#else
    for (; groups > 0; groups--, x += 4, w += 16) {
        for (int32_t i = 0; i < 4; i++) {
            const int32_t xv = x[i];
            a0 += xv * w[i];
            a1 += xv * w[4 + i];
            a2 += xv * w[8 + i];
            a3 += xv * w[12 + i];
        }
    }
#endif
    *acc0 = a0;
    *acc1 = a1;
    *acc2 = a2;
    *acc3 = a3;
    return w;
}

static inline __attribute__((always_inline)) void fc_row_impl(const int8_t *x, int32_t depth,
                                                              const int8_t *w, int32_t oc,
                                                              const farm_rq_t *qp, int8_t *out,
                                                              const int mode, const int sat8)
{
    const farm_rq_t qv = *qp; /* a local copy: stores through `out` cannot alias it */
    const farm_rq_t *q = &qv;
    const int32_t groups = depth >> 2, rest = depth & 3;
    const int8_t *xt = x + 4 * groups;
    const int32_t *bias = q->bias, *r = q->rq;
    int32_t c = 0;
    for (; c + 3 < oc; c += 4, bias += 4, r += 4 * FARM_RQ_WORDS, w += 4 * depth) {
        int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
        const int8_t *wt = groups > 0 ? dot_4ch(x, w, groups, &a0, &a1, &a2, &a3) : w;
        if (rest != 0) {
            for (int32_t k = 0; k < rest; k++) {
                const int32_t xv = xt[k];
                a0 += xv * wt[k];
                a1 += xv * wt[rest + k];
                a2 += xv * wt[2 * rest + k];
                a3 += xv * wt[3 * rest + k];
            }
        }
#if FARM_ASM_KERNELS
        if (mode == FARM_RQ_FAST && sat8) {
            /* All the AD layers and the other models' heads: each channel's record read by
             * four back-to-back loads (5 cycles instead of 8), the four bytes stored as one
             * word (out + c is 4-byte aligned: the arena's tensors are 16-byte aligned). */
            int32_t m, L, R, h;
#define FC_RQ_FAST(acc, off_)                                                                     \
    "ldr %[L], [%[r], #" #off_ " + 4]\n\t"                                                        \
    "ldr %[m], [%[r], #" #off_ "]\n\t"                                                            \
    "ldr %[h], [%[r], #" #off_ " + 12]\n\t"                                                       \
    "ldr %[R], [%[r], #" #off_ " + 8]\n\t"                                                        \
    "lsl %[" #acc "], %[" #acc "], %[L]\n\t"                                                      \
    "smmulr %[" #acc "], %[" #acc "], %[m]\n\t"                                                   \
    "add %[h], %[h], %[" #acc "], asr #31\n\t"                                                    \
    "add %[" #acc "], %[" #acc "], %[h]\n\t"                                                      \
    "asr %[" #acc "], %[" #acc "], %[R]\n\t"                                                      \
    "add %[" #acc "], %[" #acc "], %[zp]\n\t"                                                     \
    "ssat %[" #acc "], #8, %[" #acc "]\n\t"
            __asm__ volatile(FC_RQ_FAST(a0, 0) FC_RQ_FAST(a1, 16) FC_RQ_FAST(a2, 32)
                                 FC_RQ_FAST(a3, 48)
                             "bfi %[a0], %[a1], #8, #8\n\t"
                             "bfi %[a0], %[a2], #16, #8\n\t"
                             "bfi %[a0], %[a3], #24, #8\n\t"
                             "str %[a0], [%[o]]\n\t"
                             : [a0] "+&r"(a0), [a1] "+&r"(a1), [a2] "+&r"(a2), [a3] "+&r"(a3),
                               [m] "=&r"(m), [L] "=&r"(L), [R] "=&r"(R), [h] "=&r"(h)
                             : [r] "r"(r), [zp] "r"(q->out_off), [o] "r"(out + c)
                             : "memory");
#undef FC_RQ_FAST
            continue;
        }
#endif
        const int8_t r0 = fc_out(q, a0, r, mode, sat8);
        const int8_t r1 = fc_out(q, a1, r + FARM_RQ_WORDS, mode, sat8);
        const int8_t r2 = fc_out(q, a2, r + 2 * FARM_RQ_WORDS, mode, sat8);
        const int8_t r3 = fc_out(q, a3, r + 3 * FARM_RQ_WORDS, mode, sat8);
        out[c] = r0;
        out[c + 1] = r1;
        out[c + 2] = r2;
        out[c + 3] = r3;
    }
    for (; c < oc; c++, bias++, r += FARM_RQ_WORDS, w += depth) {
        int32_t acc = bias[0];
        for (int32_t k = 0; k < depth; k++) {
            acc += (int32_t)x[k] * (int32_t)w[k];
        }
        out[c] = fc_out(q, acc, r, mode, sat8);
    }
}

void farm_fc_interleaved(const int8_t *in, int32_t rows, int32_t depth, const int8_t *w,
                         int32_t oc, const farm_rq_t *q, int8_t *out)
{
    /* Four instantiations, all constants inside the loops: the fast requantization with each
     * clamp kind, the other two modes (rare: a layer the fast form cannot take, or a
     * single-rounding blob) with the general clamp, which equals SSAT for all of int8. Two
     * more would cost 3 KB of flash, which a 64 KB firmware region (NUCLEO-G431RB) has not. */
    const int sat8 = q->act_min <= -128 && q->act_max >= 127;
    for (int32_t r = 0; r < rows; r++, in += depth, out += oc) {
        if (q->mode == FARM_RQ_FAST) {
            if (sat8) {
                fc_row_impl(in, depth, w, oc, q, out, FARM_RQ_FAST, 1);
            } else {
                fc_row_impl(in, depth, w, oc, q, out, FARM_RQ_FAST, 0);
            }
        } else if (q->mode == FARM_RQ_SINGLE) {
            fc_row_impl(in, depth, w, oc, q, out, FARM_RQ_SINGLE, 0);
        } else {
            fc_row_impl(in, depth, w, oc, q, out, FARM_RQ_DOUBLE, 0);
        }
    }
}
