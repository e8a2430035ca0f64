/*
 * farm_fixedpoint.h - TFLite's requantization arithmetic (common.h / gemmlowp fixedpoint.h),
 * integer only. Double rounding is TFLite Micro's default; single rounding is TFLITE_SINGLE_ROUNDING.
 */
#ifndef FARM_FIXEDPOINT_H
#define FARM_FIXEDPOINT_H

#include <stdint.h>

/* gemmlowp SaturatingRoundingDoublingHighMul. The division by 2^31 truncates toward zero,
 * done with shifts so Cortex-M needs no 64-bit division call. */
static inline int32_t farm_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    int64_t ab = (int64_t)a * (int64_t)b;
    ab += (ab >= 0) ? (int64_t)(1 << 30) : (int64_t)(1 - (1 << 30));
    if (ab < 0) {
        ab += (int64_t)0x7FFFFFFF;
    }
    return (int32_t)(ab >> 31);
}

/* gemmlowp RoundingDivideByPOT: round half away from zero. */
static inline int32_t farm_rdbpot(int32_t x, int32_t exponent)
{
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* MultiplyByQuantizedMultiplier, double rounding, for multiplier >= 0 (all requantization
 * multipliers are). SRDHM's nudge-and-truncate equals floor((x*m + 2^30) / 2^31) for both signs,
 * and RoundingDivideByPOT is kept in its overflow-free mask/threshold form. */
static inline int32_t farm_mbqm_double(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = left - shift;
    const int64_t ab = (int64_t)(int32_t)((uint32_t)x << left) * (int64_t)multiplier;
    const int32_t y = (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
    const int32_t mask = (int32_t)((1u << right) - 1u);
    /* +1 when the remainder exceeds the threshold (mask/2, plus one for negative y): both lie
     * in [0, 2^30], so the sign bit of threshold - remainder is that comparison, branch-free. */
    const uint32_t below = (uint32_t)((mask >> 1) + (int32_t)((uint32_t)y >> 31)) - (uint32_t)(y & mask);
    return (y >> right) + (int32_t)(below >> 31);
}

/* MultiplyByQuantizedMultiplier, single rounding. */
static inline int32_t farm_mbqm_single(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t total = 31 - shift;
    const int64_t r = (int64_t)x * (int64_t)multiplier + ((int64_t)1 << (total - 1));
    return (int32_t)(r >> total);
}

static inline int32_t farm_requant(int32_t x, int32_t multiplier, int32_t shift, int single)
{
    return single ? farm_mbqm_single(x, multiplier, shift) : farm_mbqm_double(x, multiplier, shift);
}

/* Per-channel requantization record of CONV, DEPTHWISE_CONV and FULLY_CONNECTED (blob format 2,
 * BLOB.md): {multiplier, L = max(shift, 0) + 1, R = max(-shift, 0), 2^(R-1) or 0}. */
#define FARM_RQ_WORDS 4

/* How a layer requantizes: FAST when the compiler proved that x << L cannot overflow and
 * R >= 1 for every channel (the op's fast flag), else TFLite's formulas. */
enum { FARM_RQ_FAST = 0, FARM_RQ_DOUBLE = 1, FARM_RQ_SINGLE = 2 };

/* floor((a * b + 2^31) / 2^32): one SMMULR on a DSP core. */
static inline int32_t farm_smmulr(int32_t a, int32_t b)
{
#if defined(__ARM_FEATURE_DSP) && !defined(FARM_DSP_EMULATE) && !defined(FARM_FORCE_PLAIN)
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 31)) >> 32);
#endif
}

/* Double rounding, fast form: SRDHM(x << left, m) = floor((x*m*2^left + 2^30) / 2^31)
 * = SMMULR(x << (left + 1), m) while x << L fits, and RoundingDivideByPOT by R >= 1 adds
 * 2^(R-1), minus one for a negative value (ties away from zero), then shifts. 5 instructions. */
static inline int32_t farm_rq_fast(int32_t x, const int32_t *r)
{
    const int32_t y = farm_smmulr((int32_t)((uint32_t)x << r[1]), r[0]);
    return (y + r[3] + (y >> 31)) >> r[2];
}

/* Largest right shift R for which a fast record's rounding term can take the output offset as
 * well (farm_rq_fold_offset) without overflow: |SMMULR| <= 2^30, 2^(R-1) + 128 * 2^R < 2^30. */
#define FARM_RQ_FOLD_MAX_RIGHT 22

/* A fast record's rounding term with the output offset folded in (R <= FARM_RQ_FOLD_MAX_RIGHT):
 * (y + term + (y >> 31)) >> R is then farm_rq_fast's result plus out_off. */
static inline int32_t farm_rq_fold_offset(const int32_t *r, int32_t out_off)
{
    return (int32_t)((uint32_t)r[3] + ((uint32_t)out_off << r[2]));
}

/* Whether the output offset folds into all `channels` records at rq. */
static inline int farm_rq_offset_folds(const int32_t *rq, int32_t channels)
{
    for (int32_t c = 0; c < channels; c++) {
        if (rq[c * FARM_RQ_WORDS + 2] > FARM_RQ_FOLD_MAX_RIGHT) {
            return 0;
        }
    }
    return 1;
}

static inline int32_t farm_rq_apply(int32_t x, const int32_t *r, const int mode)
{
    if (mode == FARM_RQ_FAST) {
        return farm_rq_fast(x, r);
    }
    const int32_t shift = r[1] - 1 - r[2];
    return mode == FARM_RQ_SINGLE ? farm_mbqm_single(x, r[0], shift) : farm_mbqm_double(x, r[0], shift);
}

static inline int8_t farm_clamp8(int32_t v, int32_t lo, int32_t hi)
{
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    return (int8_t)v;
}

#endif /* FARM_FIXEDPOINT_H */
