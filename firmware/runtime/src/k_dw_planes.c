/*
 * k_dw_planes.c - 3x3 DEPTHWISE_CONV_2D (multiplier 1, dilation 1, stride 1 or 2, fast
 * requantization, channels a multiple of 4) from int16 rows, one channel at a time.
 *
 * Why: read as 4-channel words (k_conv.c's dw3_rows), every pixel re-loads, sign-extends and
 * re-pairs its nine input words, about 5 cycles per MAC on the Cortex-M4. Here each input row
 * of four channels is sign-extended once into four int16 rows (two columns per word, padding
 * columns holding the input zero point), and a channel's output row is a run of SMLAD-family
 * instructions on words loaded as they are: per kernel row, weights A = (w0, w1) and
 * D = (w2, w1) serve two neighbouring outputs,
 *   stride 1, words (x0, x1), (x2, x3):  y0 += SMUAD/SMLAD(x01, A) + SMLABB(x23, D)
 *                                        y1 += SMULTB/SMLATB(x01, A) + SMLADX(x23, D)
 *   stride 2, words (x0, x1), (x2, x3), (x4, x5):
 *                                        y0 += SMLAD(x01, A) + SMLABB(x23, D)
 *                                        y1 += SMLAD(x23, A) + SMLABB(x45, D)
 * so the six weight words stay in registers along the row.
 *
 * The three input rows of a window live in a ring of three slots; input row iy sits in slot
 * iy mod 3, and instead of moving rows the kernel rows are rotated onto the slots. Padding
 * rows and columns hold the input zero point, so the bias with the input offset folded over all
 * nine taps (the blob's folded bias) gives TFLite's result exactly, padded taps included.
 */
#include "farm_fixedpoint.h"
#include "farm_kernels.h"
#include "farm_simd.h"

#if FARM_DW_PLANES

/* Words of one int16 row (two columns each): inputs up to 50 columns with their padding. */
#define DWP_WORDS 26
#define DWP_ROW_BYTES (4 * DWP_WORDS)
/* One input row of four channels: the slot stride the kernel's immediate offsets assume. */
#define DWP_SLOT_BYTES (4 * DWP_ROW_BYTES)
#define DWP_STR(x) #x
#define DWP_XSTR(x) DWP_STR(x)
#define DWP_SLOT1 DWP_XSTR(DWP_SLOT_BYTES)
#define DWP_SLOT2 DWP_XSTR(2 * DWP_SLOT_BYTES)

/* Words a row needs for `pairs` output pairs at stride s. */
static inline int32_t dwp_words(int32_t pairs, int32_t s)
{
    return s == 1 ? pairs + 1 : 2 * pairs + 1;
}

int farm_dw_planes_apply(const farm_op_t *op)
{
    const int32_t *p = op->p;
    const int32_t s = p[10];
    if (p[7] != 1 || p[3] % 4 != 0 || p[8] != 3 || p[9] != 3 || p[12] != 1 || p[13] != 1 ||
        s != p[11] || (s != 1 && s != 2) || p[15] < 0 || p[14] < 0 ||
        farm_rq_mode(op, p[20]) != FARM_RQ_FAST) {
        return 0;
    }
    return farm_rq_offset_folds((const int32_t *)op->c[3], p[3]) &&
           dwp_words((p[5] + 1) / 2, s) <= DWP_WORDS;
}

/* Two int16 words from the 4-channel words a and b (columns j and j + 1): channel 0's
 * (a0, b0) and channel 2's (a2, b2) from the even bytes; the odd bytes give channels 1 and 3. */
#if FARM_ASM_KERNELS
#define DWP_PAIR_LO(a, b) __extension__({ int32_t r_; __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r_) : "r"(a), "r"(b)); r_; })
#define DWP_PAIR_HI(a, b) __extension__({ int32_t r_; __asm__("pkhtb %0, %2, %1, asr #16" : "=r"(r_) : "r"(a), "r"(b)); r_; })
#else
#define DWP_PAIR_LO(a, b) FARM_PKHBT16((a), (b))
#define DWP_PAIR_HI(a, b) FARM_PKHTB16((b), (a))
#endif

static inline __attribute__((always_inline)) void dwp_put(int32_t *slot, int32_t m, int32_t a,
                                                          int32_t b)
{
    const int32_t ea = FARM_SXTB16(a), oa = FARM_SXTB16_ROR8(a);
    const int32_t eb = FARM_SXTB16(b), ob = FARM_SXTB16_ROR8(b);
    slot[m] = DWP_PAIR_LO(ea, eb);
    slot[DWP_WORDS + m] = DWP_PAIR_LO(oa, ob);
    slot[2 * DWP_WORDS + m] = DWP_PAIR_HI(ea, eb);
    slot[3 * DWP_WORDS + m] = DWP_PAIR_HI(oa, ob);
}

/* One input line (NULL: a padding line) of four channels, `step` bytes from one pixel to the
 * next along it, into the slot's four channel rows: word m holds columns 2m and 2m + 1, column
 * j being input pixel j - pad, the zero point outside. */
static void dwp_fill(int32_t *slot, const int8_t *line, int32_t len, int32_t step, int32_t pad,
                     int32_t words, int32_t pad8)
{
    if (!line) { /* a padding line: the zero point in every column */
        const int32_t z = FARM_SXTB16(pad8);
        for (int32_t m = 0; m < words; m++) {
            slot[m] = slot[DWP_WORDS + m] = slot[2 * DWP_WORDS + m] = slot[3 * DWP_WORDS + m] = z;
        }
        return;
    }
    /* Words whose two columns both lie inside: m_lo <= m < m_hi. */
    const int32_t m_lo = (pad + 1) / 2;
    int32_t m_hi = (len + pad) / 2;
    m_hi = m_hi > words ? words : m_hi < m_lo ? m_lo : m_hi;
    for (int32_t m = 0; m < words; m++) {
        if (m == m_lo) {
            const int8_t *x = line + (2 * m - pad) * step;
            for (; m + 1 < m_hi; m += 2, x += 4 * step) { /* two words per branch */
                dwp_put(slot, m, farm_ld32(x), farm_ld32(x + step));
                dwp_put(slot, m + 1, farm_ld32(x + 2 * step), farm_ld32(x + 3 * step));
            }
            if (m < m_hi) {
                dwp_put(slot, m, farm_ld32(x), farm_ld32(x + step));
                m++;
            }
            if (m == words) {
                break;
            }
        }
        const int32_t xa = 2 * m - pad, xb = xa + 1;
        const int32_t a = xa >= 0 && xa < len ? farm_ld32(line + xa * step) : pad8;
        const int32_t b = xb >= 0 && xb < len ? farm_ld32(line + xb * step) : pad8;
        dwp_put(slot, m, a, b);
    }
}

#if !FARM_ASM_KERNELS
static inline int32_t dwp_lo(int32_t x)
{
    return (int16_t)(uint16_t)((uint32_t)x & 0xFFFFu);
}
static inline int32_t dwp_hi(int32_t x)
{
    return (int16_t)(uint16_t)((uint32_t)x >> 16);
}
#endif

/* The accumulators of a channel's line sit at a fixed distance past its row in slot 0, so the
 * kernel needs no pointer for them (the register goes to the bias): at stride 1 the even
 * outputs' at DWP_ACC, the odd outputs' four rows further (the row pointer advances a word per
 * pair); at stride 2 interleaved at DWP_ACC (it advances two words per pair). So each of the
 * four channels has its own, one row apart, for the requantization to take two at a time. */
#define DWP_ACC_BYTES (3 * DWP_SLOT_BYTES)
#define DWP_ODD_BYTES DWP_SLOT_BYTES
#define DWP_ACC DWP_XSTR(DWP_ACC_BYTES)
#define DWP_ACC_ODD DWP_XSTR(DWP_ACC_BYTES + DWP_ODD_BYTES)
#define DWP_BUFFER_WORDS ((DWP_ACC_BYTES + 2 * DWP_SLOT_BYTES) / 4)

#if !FARM_ASM_KERNELS
/* The accumulators (bias included) of `pairs` output pairs of one channel: its row in slot 0
 * at `row`, the weight words A, D of the kernel lines on slots 0, 1, 2 in k (the halfword
 * semantics of dwp_run4's instructions: the host's check of the layout). */
static void dwp_run(const int32_t *row, int32_t pairs, const int32_t k[6], int32_t bias,
                    int32_t s)
{
    for (int32_t k2 = 0; k2 < pairs; k2++) {
        int32_t y0 = bias, y1 = bias;
        for (int32_t r = 0; r < 3; r++) {
            const int32_t *x = row + r * (DWP_SLOT_BYTES / 4) + k2 * s;
            const int32_t A = k[2 * r], D = k[2 * r + 1];
            const int32_t x01 = x[0], x23 = x[1];
            y0 += dwp_lo(x01) * dwp_lo(A) + dwp_hi(x01) * dwp_hi(A) + dwp_lo(x23) * dwp_lo(D);
            if (s == 1) {
                y1 += dwp_hi(x01) * dwp_lo(A) + dwp_lo(x23) * dwp_hi(D) + dwp_hi(x23) * dwp_lo(D);
            } else {
                y1 += dwp_lo(x23) * dwp_lo(A) + dwp_hi(x23) * dwp_hi(A) + dwp_lo(x[2]) * dwp_lo(D);
            }
        }
        int32_t *acc = (int32_t *)row + DWP_ACC_BYTES / 4 + k2 * s;
        if (s == 1) {
            acc[0] = y0;
            acc[DWP_ODD_BYTES / 4] = y1;
        } else {
            acc[0] = y0;
            acc[1] = y1;
        }
    }
}

#endif

#if FARM_ASM_KERNELS
/* One pair at byte offset O from p: stride 1 reads words O and O + 4 of each slot. */
#define DWP_S1(O)                                                                                 \
    "ldr %[t0], [%[p], #" O "]\n\t"                                                               \
    "ldr %[t1], [%[p], #" O " + 4]\n\t"                                                           \
    "smlad %[a0], %[t0], %[A0], %[b]\n\t"                                                         \
    "smlatb %[a1], %[t0], %[A0], %[b]\n\t"                                                        \
    "smlabb %[a0], %[t1], %[D0], %[a0]\n\t"                                                       \
    "smladx %[a1], %[t1], %[D0], %[a1]\n\t"                                                       \
    "ldr %[t0], [%[p], #" DWP_SLOT1 " + " O "]\n\t"                                               \
    "ldr %[t1], [%[p], #" DWP_SLOT1 " + " O " + 4]\n\t"                                           \
    "smlad %[a0], %[t0], %[A1], %[a0]\n\t"                                                        \
    "smlatb %[a1], %[t0], %[A1], %[a1]\n\t"                                                       \
    "smlabb %[a0], %[t1], %[D1], %[a0]\n\t"                                                       \
    "smladx %[a1], %[t1], %[D1], %[a1]\n\t"                                                       \
    "ldr %[t0], [%[p], #" DWP_SLOT2 " + " O "]\n\t"                                               \
    "ldr %[t1], [%[p], #" DWP_SLOT2 " + " O " + 4]\n\t"                                           \
    "smlad %[a0], %[t0], %[A2], %[a0]\n\t"                                                        \
    "smlatb %[a1], %[t0], %[A2], %[a1]\n\t"                                                       \
    "smlabb %[a0], %[t1], %[D2], %[a0]\n\t"                                                       \
    "smladx %[a1], %[t1], %[D2], %[a1]\n\t"                                                       \
    "str %[a0], [%[p], #" DWP_ACC " + " O "]\n\t"                                                 \
    "str %[a1], [%[p], #" DWP_ACC_ODD " + " O "]\n\t"
/* Stride 2 reads words O, O + 4, O + 8 (LDRD/STRD reach 1020 bytes only: single STRs). */
#define DWP_S2(O)                                                                                 \
    "ldr %[t0], [%[p], #" O "]\n\t"                                                               \
    "ldr %[t1], [%[p], #" O " + 4]\n\t"                                                           \
    "smlad %[a0], %[t0], %[A0], %[b]\n\t"                                                         \
    "smlabb %[a0], %[t1], %[D0], %[a0]\n\t"                                                       \
    "smlad %[a1], %[t1], %[A0], %[b]\n\t"                                                         \
    "ldr %[t0], [%[p], #" O " + 8]\n\t"                                                           \
    "smlabb %[a1], %[t0], %[D0], %[a1]\n\t"                                                       \
    "ldr %[t0], [%[p], #" DWP_SLOT1 " + " O "]\n\t"                                               \
    "ldr %[t1], [%[p], #" DWP_SLOT1 " + " O " + 4]\n\t"                                           \
    "smlad %[a0], %[t0], %[A1], %[a0]\n\t"                                                        \
    "smlabb %[a0], %[t1], %[D1], %[a0]\n\t"                                                       \
    "smlad %[a1], %[t1], %[A1], %[a1]\n\t"                                                        \
    "ldr %[t0], [%[p], #" DWP_SLOT1 " + " O " + 8]\n\t"                                           \
    "smlabb %[a1], %[t0], %[D1], %[a1]\n\t"                                                       \
    "ldr %[t0], [%[p], #" DWP_SLOT2 " + " O "]\n\t"                                               \
    "ldr %[t1], [%[p], #" DWP_SLOT2 " + " O " + 4]\n\t"                                           \
    "smlad %[a0], %[t0], %[A2], %[a0]\n\t"                                                        \
    "smlabb %[a0], %[t1], %[D2], %[a0]\n\t"                                                       \
    "smlad %[a1], %[t1], %[A2], %[a1]\n\t"                                                        \
    "ldr %[t0], [%[p], #" DWP_SLOT2 " + " O " + 8]\n\t"                                           \
    "smlabb %[a1], %[t0], %[D2], %[a1]\n\t"                                                       \
    "str %[a0], [%[p], #" DWP_ACC " + " O "]\n\t"                                                 \
    "str %[a1], [%[p], #" DWP_ACC " + " O " + 4]\n\t"

/* What dwp_run4's channel loop keeps in memory (offsets fixed). */
typedef struct {
    const int32_t *k;   /* 0: the next channel's A0 D0 A1 D1 A2 D2 and bias */
    int32_t pairs;      /* 4 */
    const int32_t *row; /* 8: the next channel's row in slot 0 */
    int32_t left;       /* 12: channels left */
} dwp_state_t;

/* dwp_run for st->left channels, rows DWP_ROW_BYTES apart, each channel's seven words loaded
 * with one LDM (its registers must ascend, so all are named). Two pairs per branch; an odd
 * first pair alone (LSRS: C = the odd bit, Z = no two left; the pair's instructions leave the
 * flags alone). */
static inline __attribute__((always_inline)) void dwp_run4(dwp_state_t *st, int32_t s)
{
    register int32_t a0 __asm__("r0");
    register int32_t a1 __asm__("r1");
    register int32_t t0 __asm__("r2") = (int32_t)(intptr_t)st;
    register int32_t A0 __asm__("r3");
    register int32_t D0 __asm__("r4");
    register int32_t A1 __asm__("r5");
    register int32_t D1 __asm__("r6");
    register int32_t A2 __asm__("r8");
    register int32_t D2 __asm__("r9");
    register int32_t b __asm__("r10");
    register const int32_t *p __asm__("r11");
    register int32_t t1 __asm__("r12");
    register int32_t n __asm__("lr");
#define DWP_RUN4(ONE, TWO, STEP, STEP2)                                                           \
    __asm__ volatile("push {%[t0]}\n\t"                                                          \
                     "3:\n\t"                                                                    \
                     "ldr %[t0], [sp]\n\t"                                                       \
                     "ldr %[t1], [%[t0]]\n\t"                                                    \
                     "ldm %[t1]!, {%[A0], %[D0], %[A1], %[D1], %[A2], %[D2], %[b]}\n\t"          \
                     "str %[t1], [%[t0]]\n\t"                                                    \
                     "ldrd %[n], %[p], [%[t0], #4]\n\t"                                          \
                     "add %[t1], %[p], #" DWP_XSTR(DWP_ROW_BYTES) "\n\t"                         \
                     "str %[t1], [%[t0], #8]\n\t"                                                \
                     "lsrs %[n], %[n], #1\n\t"                                                   \
                     "bcc 2f\n\t" ONE "add %[p], %[p], #" STEP "\n\t"                            \
                     "2:\n\t"                                                                    \
                     "beq 4f\n\t"                                                                \
                     "1:\n\t" ONE TWO "add %[p], %[p], #" STEP2 "\n\t"                           \
                     "subs %[n], %[n], #1\n\t"                                                   \
                     "bne 1b\n\t"                                                                \
                     "4:\n\t"                                                                    \
                     "ldr %[t0], [sp]\n\t"                                                       \
                     "ldr %[t1], [%[t0], #12]\n\t"                                               \
                     "subs %[t1], %[t1], #1\n\t"                                                 \
                     "str %[t1], [%[t0], #12]\n\t"                                               \
                     "bne 3b\n\t"                                                                \
                     "add sp, sp, #4\n\t"                                                        \
                     : [a0] "=&r"(a0), [a1] "=&r"(a1), [t0] "+r"(t0), [A0] "=&r"(A0),            \
                       [D0] "=&r"(D0), [A1] "=&r"(A1), [D1] "=&r"(D1), [A2] "=&r"(A2),            \
                       [D2] "=&r"(D2), [b] "=&r"(b), [p] "=&r"(p), [t1] "=&r"(t1), [n] "=&r"(n)   \
                     :                                                                            \
                     : "cc", "memory")
    if (s == 1) {
        DWP_RUN4(DWP_S1("0"), DWP_S1("4"), "4", "8");
    } else {
        DWP_RUN4(DWP_S2("0"), DWP_S2("8"), "8", "16");
    }
#undef DWP_RUN4
#undef DWP_S2
#undef DWP_S1
}
#endif

/* A channel's fast requantization: multiplier, L, rounding term with the output offset
 * folded in (farm_rq_fold_offset), R. */
typedef struct {
    int32_t m, l, h, r;
} dwp_rq_t;

/* Output i of a line from the accumulators dwp_run left for its channel at acc. */
static inline int32_t dwp_acc(const int32_t *acc, int32_t i, int32_t s)
{
    return s == 1 ? acc[(i & 1) * (DWP_ODD_BYTES / 4) + (i >> 1)] : acc[i];
}

/* Outputs [i, n) of one channel's line, `step` bytes apart, from its accumulators. */
static inline __attribute__((always_inline)) void dwp_out(const int32_t *acc, int32_t i,
                                                          int32_t n, int32_t s, const dwp_rq_t *q,
                                                          int32_t lo, int32_t hi, int8_t *o,
                                                          int32_t step, const int sat8)
{
    for (o += i * step; i < n; i++, o += step) {
        const int32_t y = farm_smmulr((int32_t)((uint32_t)dwp_acc(acc, i, s) << q->l), q->m);
        const int32_t v = (y + q->h + (y >> 31)) >> q->r;
        *o = (int8_t)(sat8 ? FARM_SSAT8(v) : farm_clamp8(v, lo, hi));
    }
}

/* The line's outputs of channels j and j + 1 (accumulators at acc and one row on, outputs
 * adjacent bytes): two at a time, stored as one halfword, where L is 1 and the range all of
 * int8; then, and otherwise, dwp_out. */
static inline __attribute__((always_inline)) void dwp_out2(const int32_t *acc, int32_t n,
                                                           int32_t s, const dwp_rq_t *q,
                                                           int32_t lo, int32_t hi, int8_t *o,
                                                           int32_t step, const int sat8)
{
    int32_t i = 0;
#if FARM_ASM_KERNELS
    int32_t pairs = n >> 1;
    if (sat8 && q[0].l == 1 && q[1].l == 1 && pairs > 0) {
        int32_t x0, x1, y;
        int8_t *op = o;
        const int32_t *ap = acc;
        const int32_t m0 = q[0].m, h0 = q[0].h, r0 = q[0].r, m1 = q[1].m, h1 = q[1].h, r1 = q[1].r;
#define DWP_RQ(x, m, h, r)                                                                        \
    "lsl %[" x "], %[" x "], #1\n\t"                                                              \
    "smmulr %[" x "], %[" x "], %[" m "]\n\t"                                                     \
    "add %[y], %[" h "], %[" x "], asr #31\n\t"                                                   \
    "add %[" x "], %[" x "], %[y]\n\t"                                                            \
    "asr %[" x "], %[" x "], %[" r "]\n\t"                                                        \
    "ssat %[" x "], #8, %[" x "]\n\t"
#define DWP_POSITION(OFF0, OFF1)                                                                  \
    "ldr %[x0], [%[a], #" OFF0 "]\n\t"                                                            \
    "ldr %[x1], [%[a], #" OFF1 "]\n\t"                                                            \
    DWP_RQ("x0", "m0", "h0", "r0") DWP_RQ("x1", "m1", "h1", "r1")                                 \
    "bfi %[x0], %[x1], #8, #8\n\t"                                                                \
    "strh %[x0], [%[o]]\n\t"                                                                      \
    "add %[o], %[o], %[step]\n\t"
#define DWP_OPERANDS                                                                              \
    : [x0] "=&r"(x0), [x1] "=&r"(x1), [y] "=&r"(y), [a] "+r"(ap), [o] "+r"(op), [n] "+r"(pairs)   \
    : [m0] "r"(m0), [h0] "r"(h0), [r0] "r"(r0), [m1] "r"(m1), [h1] "r"(h1), [r1] "r"(r1),         \
      [step] "r"(step)                                                                            \
    : "cc", "memory"
#define DWP_FIRST DWP_POSITION("0", DWP_XSTR(DWP_ROW_BYTES))
#define DWP_RQ_LOOP(second, next)                                                                 \
    __asm__ volatile("1:\n\t" DWP_FIRST second next "subs %[n], %[n], #1\n\t"                     \
                     "bne 1b\n\t" DWP_OPERANDS)
        i = n;
        if (s == 1) {
            DWP_RQ_LOOP(DWP_POSITION(DWP_XSTR(DWP_ODD_BYTES),
                                     DWP_XSTR(DWP_ODD_BYTES + DWP_ROW_BYTES)),
                        "add %[a], %[a], #4\n\t");
        } else {
            DWP_RQ_LOOP(DWP_POSITION("4", DWP_XSTR(DWP_ROW_BYTES + 4)), "add %[a], %[a], #8\n\t");
        }
        if (n & 1) { /* the last position: the next even one, at a in both layouts */
            __asm__ volatile(DWP_FIRST DWP_OPERANDS);
        }
#undef DWP_RQ_LOOP
#undef DWP_FIRST
#undef DWP_OPERANDS
#undef DWP_POSITION
#undef DWP_RQ
    }
#endif
    dwp_out(acc, i, n, s, &q[0], lo, hi, o, step, sat8);
    dwp_out(acc + DWP_ROW_BYTES / 4, i, n, s, &q[1], lo, hi, o + 1, step, sat8);
}

/* The image read along lines: rows (u = x, v = y), or columns when the output is taller than
 * wide (a 25x5 keyword-spotting map runs 13 pairs per column instead of 3 per row). Strides in
 * bytes; the kernel's taps along the line are wu apart in the weights, its lines wv apart. */
typedef struct {
    int32_t in_u, in_v, out_u, out_v, pad_u, pad_v;
    int32_t su, sv, ou, ov, wu, wv;
} dwp_axes_t;

static inline __attribute__((always_inline)) void dwp_impl(const farm_op_t *op, const int sat8)
{
    const int32_t *p = op->p;
    const int32_t n = p[0], in_h = p[1], in_w = p[2], c = p[3], out_h = p[4], out_w = p[5];
    const int32_t s = p[10], in_off = p[16];
    const int32_t out_off = p[17], act_min = p[18], act_max = p[19];
    const int8_t *w = (const int8_t *)op->c[0];
    const int32_t *folded = (const int32_t *)op->c[2], *rq = (const int32_t *)op->c[3];
    const dwp_axes_t ax = out_h > out_w && dwp_words((out_h + 1) / 2, s) <= DWP_WORDS
                              ? (dwp_axes_t){in_h, in_w, out_h, out_w, p[14], p[15],
                                             in_w * c, c, out_w * c, c, 3 * c, c}
                              : (dwp_axes_t){in_w, in_h, out_w, out_h, p[15], p[14],
                                             c, in_w * c, c, out_w * c, c, 3 * c};
    const int32_t pairs = (ax.out_u + 1) / 2, words = dwp_words(pairs, s);
    const int32_t pad8 = (int32_t)(0x01010101u * (uint8_t)(int8_t)(-in_off));
    int32_t ring[DWP_BUFFER_WORDS]; /* three slots of four channel rows, then accumulators */
    /* For each of the three rotations of the kernel lines onto the ring's slots, per channel,
     * the weight words A, D of slots 0, 1, 2 and the bias (dwp_state_t.k). */
    int32_t wk[3][4][7];
    dwp_rq_t q[4];
    for (int32_t b = 0; b < n; b++) {
        const int8_t *in = op->t[0] + b * in_h * in_w * c;
        int8_t *out = op->t[op->n_t - 1] + b * out_h * out_w * c;
        for (int32_t oc = 0; oc < c; oc += 4) {
            for (int32_t j = 0; j < 4; j++) {
                int32_t wa[3], wd[3];
                for (int32_t r = 0; r < 3; r++) {
                    const int8_t *k = w + r * ax.wv + oc + j;
                    const uint32_t w1 = (uint32_t)(uint16_t)(int16_t)k[ax.wu] << 16;
                    wa[r] = (int32_t)((uint16_t)(int16_t)k[0] | w1);
                    wd[r] = (int32_t)((uint16_t)(int16_t)k[2 * ax.wu] | w1);
                }
                for (int32_t rot = 0; rot < 3; rot++) {
                    for (int32_t slot = 0; slot < 3; slot++) {
                        wk[rot][j][2 * slot] = wa[(slot + rot) % 3];
                        wk[rot][j][2 * slot + 1] = wd[(slot + rot) % 3];
                    }
                    wk[rot][j][6] = folded[oc + j];
                }
                const int32_t *r = rq + (oc + j) * FARM_RQ_WORDS;
                q[j] = (dwp_rq_t){r[0], r[1], farm_rq_fold_offset(r, out_off), r[2]};
            }
            int32_t v_next = -ax.pad_v; /* the first input line not in the ring yet */
            int32_t v_slot = 2;         /* slot of input line v_next - 1 */
            for (int32_t ov = 0; ov < ax.out_v; ov++) {
                const int32_t v0 = ov * s - ax.pad_v;
                for (int32_t iv = v_next > v0 ? v_next : v0; iv < v0 + 3; iv++) {
                    const int8_t *line = iv >= 0 && iv < ax.in_v ? in + iv * ax.sv + oc : 0;
                    v_slot = v_slot == 2 ? 0 : v_slot + 1;
                    dwp_fill(ring + v_slot * (DWP_SLOT_BYTES / 4), line, ax.in_u, ax.su, ax.pad_u,
                             words, pad8);
                }
                v_next = v0 + 3;
                /* Line v0 + 2 is in v_slot, so line v0 (kernel line 0) in v_slot + 1 mod 3:
                 * slot k holds kernel line (k + rot) % 3. */
                const int32_t rot = 2 - v_slot;
#if FARM_ASM_KERNELS
                dwp_state_t st = {wk[rot][0], pairs, ring, 4};
                dwp_run4(&st, s);
#else
                for (int32_t j = 0; j < 4; j++) {
                    dwp_run(ring + j * DWP_WORDS, pairs, wk[rot][j], wk[rot][j][6], s);
                }
#endif
                int8_t *o = out + ov * ax.ov + oc;
                const int32_t *acc = ring + DWP_ACC_BYTES / 4;
                dwp_out2(acc, ax.out_u, s, &q[0], act_min, act_max, o, ax.ou, sat8);
                dwp_out2(acc + 2 * DWP_WORDS, ax.out_u, s, &q[2], act_min, act_max, o + 2, ax.ou,
                         sat8);
            }
        }
    }
}

static __attribute__((noinline)) void dwp_sat8(const farm_op_t *op)
{
    dwp_impl(op, 1);
}

static __attribute__((noinline)) void dwp_clamp(const farm_op_t *op)
{
    dwp_impl(op, 0);
}

void farm_dw_planes(const farm_op_t *op)
{
    if (op->p[18] <= -128 && op->p[19] >= 127) {
        dwp_sat8(op);
    } else {
        dwp_clamp(op);
    }
}

#endif /* FARM_DW_PLANES */
