/*
 * farm_mac_asm.h - the 2-row x 2-channel SMLAD block that the convolution and fully-connected
 * kernels share, written once: the asm loop body (its two row offsets are parameters), the
 * fast requantization of two accumulators and the int8 store of a row pair in asm, and
 * farm_macs_2x2 (asm, or intrinsic C where the asm is off).
 */
#ifndef FARM_MAC_ASM_H
#define FARM_MAC_ASM_H

#include "farm_simd.h"

/* 16 MACs per 4 LDR, 8 SXTB16, 8 SMLAD. Rows at [xp] and, after xp's post-increment, at
 * [xp + XOFF]; weight rows at [wp] and [wp + WOFF] (XOFF, WOFF: operand strings such as
 * "%[n4]" or "#60"). Operands: accumulators a00 a01 a10 a11 (row, channel), temporaries t0 t1
 * t2 wa xa xb. The three loads of a block issue back to back, the row load first: the second
 * and third pipeline behind the first because neither uses the register the load just before
 * it wrote (xb's address uses xp's post-increment two loads back; TRM 3.3.2). */
#define FARM_MAC22_ASM(XOFF, WOFF)                                                                 \
    "ldr %[xa], [%[xp]], #4\n\t"                                                                   \
    "ldr %[wa], [%[wp]], #4\n\t"                                                                   \
    "ldr %[xb], [%[xp], " XOFF "]\n\t"                                                             \
    "sxtb16 %[t0], %[wa]\n\t"                                                                      \
    "sxtb16 %[wa], %[wa], ror #8\n\t"                                                              \
    "sxtb16 %[t1], %[xa]\n\t"                                                                      \
    "sxtb16 %[xa], %[xa], ror #8\n\t"                                                              \
    "smlad %[a00], %[t1], %[t0], %[a00]\n\t"                                                       \
    "smlad %[a00], %[xa], %[wa], %[a00]\n\t"                                                       \
    "sxtb16 %[t2], %[xb]\n\t"                                                                      \
    "sxtb16 %[xb], %[xb], ror #8\n\t"                                                              \
    "smlad %[a10], %[t2], %[t0], %[a10]\n\t"                                                       \
    "smlad %[a10], %[xb], %[wa], %[a10]\n\t"                                                       \
    "ldr %[t0], [%[wp], " WOFF "]\n\t"                                                             \
    "sxtb16 %[wa], %[t0]\n\t"                                                                      \
    "sxtb16 %[t0], %[t0], ror #8\n\t"                                                              \
    "smlad %[a01], %[t1], %[wa], %[a01]\n\t"                                                       \
    "smlad %[a01], %[xa], %[t0], %[a01]\n\t"                                                       \
    "smlad %[a11], %[t2], %[wa], %[a11]\n\t"                                                       \
    "smlad %[a11], %[xb], %[t0], %[a11]\n\t"

/* BODY %[cnt] times, two copies per branch: an odd count enters at the second copy. */
#define FARM_ASM_LOOP2(BODY)                                                                       \
    "lsrs %[cnt], %[cnt], #1\n\t"                                                                  \
    "bcc 1f\n\t"                                                                                   \
    "adds %[cnt], %[cnt], #1\n\t"                                                                  \
    "b 2f\n\t"                                                                                     \
    "1:\n\t"                                                                                       \
    BODY                                                                                           \
    "2:\n\t"                                                                                       \
    BODY                                                                                           \
    "subs %[cnt], %[cnt], #1\n\t"                                                                  \
    "bne 1b\n\t"

/* The entry into four copies of a loop body where `rem` (the count mod 4) are left before the
 * first end check: FLAGS put bit 0 of the count into N and bit 1 into C (LSLS #31 of the block
 * count, or #29 of a byte count); labels 1: 5: 7: 8: start the copies. */
#define FARM_ASM_ENTER4                                                                            \
    "bmi 6f\n\t"                                                                                   \
    "bcc 1f\n\t"                                                                                   \
    "b 7f\n\t"                                                                                     \
    "6:\n\t"                                                                                       \
    "bcs 5f\n\t"                                                                                   \
    "b 8f\n\t"

/* BODY %[cnt] times (cnt >= 1), four copies per branch (FARM_ASM_ENTER4); TMP is a scratch
 * operand string, free until BODY starts. */
#define FARM_ASM_LOOP4(BODY, TMP)                                                                  \
    "lsls " TMP ", %[cnt], #31\n\t"                                                                \
    "add %[cnt], %[cnt], #3\n\t"                                                                   \
    "lsr %[cnt], %[cnt], #2\n\t"                                                                   \
    FARM_ASM_ENTER4                                                                                \
    "1:\n\t"                                                                                       \
    BODY                                                                                           \
    "5:\n\t"                                                                                       \
    BODY                                                                                           \
    "7:\n\t"                                                                                       \
    BODY                                                                                           \
    "8:\n\t"                                                                                       \
    BODY                                                                                           \
    "subs %[cnt], %[cnt], #1\n\t"                                                                  \
    "bne 1b\n\t"

/* The start of a channel-pair step in the channel loops of k_conv_matmul.c (label 3:): push
 * the state pointer t0 (first entry only), then both rows' accumulators start from the
 * pair's two biases (state offset 12, advanced). */
#define FARM_PAIR_BIAS_ASM                                                                         \
    "push {%[t0]}\n\t"                                                                             \
    "3:\n\t"                                                                                       \
    "ldr %[t0], [sp]\n\t"                                                                          \
    "ldr %[t1], [%[t0], #12]\n\t"                                                                  \
    "ldrd %[a00], %[a01], [%[t1]], #8\n\t"                                                         \
    "str %[t1], [%[t0], #12]\n\t"                                                                  \
    "mov %[a10], %[a00]\n\t"                                                                       \
    "mov %[a11], %[a01]\n\t"

/* The fast requantization of one channel's two accumulators (ACC0 row 0, ACC1 row 1) with the
 * record at [t1 + OFF] = {multiplier, L, R, 2^(R-1)}: (SMMULR(acc << L, m) + 2^(R-1) +
 * (y >> 31)) >> R, as farm_rq_fast. Scratch: xp and wp, and the operands named L and R. */
#define FARM_RQ2_ASM(ACC0, ACC1, OFF, OFF8, L, R)                                                  \
    "ldrd %[xp], " L ", [%[t1], #" OFF "]\n\t"                                                     \
    "ldrd " R ", %[wp], [%[t1], #" OFF8 "]\n\t"                                                    \
    "lsl " ACC0 ", " ACC0 ", " L "\n\t"                                                            \
    "lsl " ACC1 ", " ACC1 ", " L "\n\t"                                                            \
    "smmulr " ACC0 ", " ACC0 ", %[xp]\n\t"                                                         \
    "smmulr " ACC1 ", " ACC1 ", %[xp]\n\t"                                                         \
    "add %[xp], %[wp], " ACC0 "\n\t"                                                               \
    "add " ACC0 ", %[xp], " ACC0 ", asr #31\n\t"                                                   \
    "add %[xp], %[wp], " ACC1 "\n\t"                                                               \
    "add " ACC1 ", %[xp], " ACC1 ", asr #31\n\t"                                                   \
    "asr " ACC0 ", " ACC0 ", " R "\n\t"                                                            \
    "asr " ACC1 ", " ACC1 ", " R "\n\t"

/* The end of a row pair's channel-pair step in the channel loops of k_conv_matmul.c, whose
 * state (at [t0]) holds the records pointer at 16, the output pointer and the row offset at
 * 20/24, the output offset at 32 and the pairs left at 36; t1 holds the records pointer: add
 * the output offset, clamp to int8 (SSAT), store each row's two bytes in one halfword
 * (little-endian), and loop to 3: while pairs are left; then drop the state pointer pushed at
 * entry. */
#define FARM_PAIR_STORE_ASM                                                                        \
    "adds %[t1], %[t1], #32\n\t"                                                                   \
    "str %[t1], [%[t0], #16]\n\t"                                                                  \
    "ldr %[t2], [%[t0], #32]\n\t"                                                                  \
    "add %[a00], %[a00], %[t2]\n\t"                                                                \
    "add %[a10], %[a10], %[t2]\n\t"                                                                \
    "add %[a01], %[a01], %[t2]\n\t"                                                                \
    "add %[a11], %[a11], %[t2]\n\t"                                                                \
    "ssat %[a00], #8, %[a00]\n\t"                                                                  \
    "ssat %[a10], #8, %[a10]\n\t"                                                                  \
    "ssat %[a01], #8, %[a01]\n\t"                                                                  \
    "ssat %[a11], #8, %[a11]\n\t"                                                                  \
    "bfi %[a00], %[a01], #8, #8\n\t"                                                               \
    "bfi %[a10], %[a11], #8, #8\n\t"                                                               \
    "ldrd %[t1], %[t2], [%[t0], #20]\n\t"                                                          \
    "strh %[a10], [%[t1], %[t2]]\n\t"                                                              \
    "strh %[a00], [%[t1]], #2\n\t"                                                                 \
    "str %[t1], [%[t0], #20]\n\t"                                                                  \
    "ldr %[t2], [%[t0], #36]\n\t"                                                                  \
    "subs %[t2], %[t2], #1\n\t"                                                                    \
    "str %[t2], [%[t0], #36]\n\t"                                                                  \
    "bne 3b\n\t"                                                                                   \
    "add sp, sp, #4\n\t"

#if FARM_USE_DSP
/* Rows x0 and x0 + n times weight rows w0 and w0 + n, n bytes deep (any n), added to acc[4] =
 * {row 0 ch 0, row 0 ch 1, row 1 ch 0, row 1 ch 1}. */
static inline __attribute__((always_inline)) void farm_macs_2x2(const int8_t *x0, const int8_t *w0,
                                                                int32_t n, int32_t acc[4])
{
    int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
    int32_t blocks = n >> 2;
#if FARM_ASM_KERNELS
    if (blocks > 0) {
        /* Row 1 and weight row 1 sit n bytes after row 0: after the post-incremented loads
         * they are at [p, n - 4]. 20 instructions per 16 MACs, 6 temporaries; the loop runs
         * two blocks per branch (an odd first block enters at the second copy). */
        const int32_t n4 = n - 4;
        int32_t t0, t1, t2, wa, xa, xb;
        __asm__ volatile(
            FARM_ASM_LOOP2(FARM_MAC22_ASM("%[n4]", "%[n4]"))
            : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11),
              [xp] "+r"(x0), [wp] "+r"(w0), [cnt] "+r"(blocks), [t0] "=&r"(t0), [t1] "=&r"(t1),
              [t2] "=&r"(t2), [wa] "=&r"(wa), [xa] "=&r"(xa), [xb] "=&r"(xb)
            : [n4] "r"(n4)
            : "cc", "memory");
    }
#else
    for (; blocks > 0; blocks--) {
        const int32_t wa = farm_ld32(w0), wb = farm_ld32(w0 + n);
        const int32_t xa = farm_ld32(x0), xb = farm_ld32(x0 + n);
        w0 += 4;
        x0 += 4;
        const int32_t wa0 = FARM_SXTB16(wa), wa1 = FARM_SXTB16_ROR8(wa);
        const int32_t xa0 = FARM_SXTB16(xa), xa1 = FARM_SXTB16_ROR8(xa);
        a00 = FARM_SMLAD(xa0, wa0, a00);
        a00 = FARM_SMLAD(xa1, wa1, a00);
        const int32_t xb0 = FARM_SXTB16(xb), xb1 = FARM_SXTB16_ROR8(xb);
        a10 = FARM_SMLAD(xb0, wa0, a10);
        a10 = FARM_SMLAD(xb1, wa1, a10);
        const int32_t wb0 = FARM_SXTB16(wb), wb1 = FARM_SXTB16_ROR8(wb);
        a01 = FARM_SMLAD(xa0, wb0, a01);
        a01 = FARM_SMLAD(xa1, wb1, a01);
        a11 = FARM_SMLAD(xb0, wb0, a11);
        a11 = FARM_SMLAD(xb1, wb1, a11);
    }
#endif
    const int8_t *x1 = x0 + n, *w1 = w0 + n;
    for (int32_t k = 0; k < (n & 3); k++) {
        a00 += (int32_t)x0[k] * w0[k];
        a01 += (int32_t)x0[k] * w1[k];
        a10 += (int32_t)x1[k] * w0[k];
        a11 += (int32_t)x1[k] * w1[k];
    }
    acc[0] = a00;
    acc[1] = a01;
    acc[2] = a10;
    acc[3] = a11;
}
#endif /* FARM_USE_DSP */

#endif /* FARM_MAC_ASM_H */
