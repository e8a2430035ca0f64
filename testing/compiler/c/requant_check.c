/*
 * requant_check.c - the runtime's requantization against TFLite's formulas, written out
 * literally here (64-bit division for the nudge, mask/threshold rounding), on random and
 * extreme inputs. Prints the number of mismatches; exit status 0 when there are none.
 */
#include <stdint.h>
#include <stdio.h>

#include "farm_fixedpoint.h"

static int32_t tfl_srdhm(int32_t a, int32_t b)
{
    const int overflow = a == b && a == INT32_MIN;
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    const int32_t high = (int32_t)((ab + nudge) / (1ll << 31));
    return overflow ? INT32_MAX : high;
}

static int32_t tfl_rdbpot(int32_t x, int exponent)
{
    const int32_t mask = (int32_t)((1ll << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

static int32_t tfl_mbqm(int32_t x, int32_t m, int shift)
{
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    return tfl_rdbpot(tfl_srdhm((int32_t)((uint32_t)x << left), m), right);
}

static int32_t tfl_mbqm_single(int32_t x, int32_t m, int shift)
{
    const int64_t total = 31 - shift;
    const int64_t round = (int64_t)1 << (total - 1);
    return (int32_t)(((int64_t)x * m + round) >> total);
}

static uint64_t state = 88172645463325252ull;
static uint32_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (uint32_t)state;
}

int main(void)
{
    static const int32_t edge[] = {0, 1, -1, 2, -2, 127, -128, 1 << 20, -(1 << 20), INT32_MAX, INT32_MIN};
    long bad = 0, fast_checked = 0;
    for (long i = 0; i < 2000000; i++) {
        int32_t x = i < 1100 ? edge[i % 11] : (int32_t)next() >> (next() % 31);
        const int32_t m = (i % 17 == 0) ? (1 << 30) : (i % 97 == 0) ? 0 : (int32_t)(0x40000000u | (next() & 0x3FFFFFFFu));
        const int shift = (int)(next() % 39) - 31; /* -31..7 */
        if (shift > 0) {
            x >>= shift; /* keep x << shift inside int32, as TFLite requires */
        }
        bad += farm_requant(x, m, shift, 0) != tfl_mbqm(x, m, shift);
        if (shift <= 30 && shift >= -31) {
            bad += farm_requant(x, m, shift, 1) != tfl_mbqm_single(x, m, shift);
        }
        const int e = (int)(next() % 32);
        bad += farm_rdbpot(x, e) != tfl_rdbpot(x, e);
        /* The blob's per-channel record {m, L, R, 2^(R-1)}: every mode against TFLite, and the
         * fast form wherever the compiler would allow it (x << L fits, R >= 1). */
        const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
        const int32_t rec[FARM_RQ_WORDS] = {m, left + 1, right, right > 0 ? (int32_t)(1u << (right - 1)) : 0};
        bad += farm_rq_apply(x, rec, FARM_RQ_DOUBLE) != tfl_mbqm(x, m, shift);
        if (shift <= 30 && shift >= -31) {
            bad += farm_rq_apply(x, rec, FARM_RQ_SINGLE) != tfl_mbqm_single(x, m, shift);
        }
        const int64_t widened = (int64_t)x * ((int64_t)1 << (left + 1));
        if (right >= 1 && widened < INT32_MAX && widened > INT32_MIN) {
            fast_checked++;
            bad += farm_rq_apply(x, rec, FARM_RQ_FAST) != tfl_mbqm(x, m, shift);
        }
        const int32_t b = i % 5 == 0 ? INT32_MIN : (int32_t)next();
        bad += farm_srdhm(i % 7 == 0 ? INT32_MIN : x, b) != tfl_srdhm(i % 7 == 0 ? INT32_MIN : x, b);
    }
    /* The fast form must have been exercised on most draws, not skipped. */
    printf("mismatches %ld\n", bad + (fast_checked < 1000000 ? 1 : 0));
    return bad != 0 || fast_checked < 1000000;
}
