/*
 * farm_simd.h - the few Cortex-M DSP instructions the optimized kernels use.
 *
 * On a core with the DSP extension (Cortex-M4, M7, M33+dsp) they are ACLE intrinsics from
 * arm_acle.h (no CMSIS). With FARM_DSP_EMULATE, portable C models of the same instructions are
 * used instead, so the host builds and tests the optimized kernels bit for bit against the
 * plain-C ones. FARM_FORCE_PLAIN selects the plain-C kernels everywhere.
 */
#ifndef FARM_SIMD_H
#define FARM_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(FARM_FORCE_PLAIN)
#define FARM_USE_DSP 0
#elif defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32) && !defined(FARM_DSP_EMULATE)
#include <arm_acle.h>
#define FARM_USE_DSP 1
#define FARM_KERNEL_PATH "cortex-m-dsp"
#define FARM_SXTB16(x) ((int32_t)__sxtb16(x))
/* arm_acle.h of GCC 12 has no __ror and GCC does not fold a rotate into SXTB16's operand. */
static inline int32_t farm_sxtb16_ror8(int32_t x)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
#define FARM_SXTB16_ROR8(x) farm_sxtb16_ror8(x)
#define FARM_SMLAD(a, b, acc) ((int32_t)__smlad((a), (b), (acc)))
#define FARM_SMLABB(a, b, acc) ((int32_t)__smlabb((a), (b), (acc)))
#define FARM_SMLATT(a, b, acc) ((int32_t)__smlatt((a), (b), (acc)))
#define FARM_SADD16(a, b) ((int32_t)__sadd16((a), (b)))
#define FARM_SSAT8(x) ((int32_t)__ssat((x), 8))
#elif defined(FARM_DSP_EMULATE)
#define FARM_USE_DSP 1
#define FARM_KERNEL_PATH "cortex-m-dsp-emulated"
static inline int32_t farm_emu_pack16(int32_t lo, int32_t hi)
{
    return (int32_t)(((uint32_t)(uint16_t)lo) | ((uint32_t)(uint16_t)hi << 16));
}
static inline int32_t farm_emu_lo(int32_t x) { return (int16_t)(uint16_t)((uint32_t)x & 0xFFFFu); }
static inline int32_t farm_emu_hi(int32_t x) { return (int16_t)(uint16_t)((uint32_t)x >> 16); }
static inline int32_t farm_emu_sxtb16(int32_t x)
{
    return farm_emu_pack16((int8_t)((uint32_t)x & 0xFFu), (int8_t)(((uint32_t)x >> 16) & 0xFFu));
}
static inline int32_t farm_emu_ror8(int32_t x)
{
    return (int32_t)(((uint32_t)x >> 8) | ((uint32_t)x << 24));
}
static inline int32_t farm_emu_smlad(int32_t a, int32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(farm_emu_lo(a) * farm_emu_lo(b)) +
                     (uint32_t)(farm_emu_hi(a) * farm_emu_hi(b)));
}
#define FARM_SXTB16(x) farm_emu_sxtb16(x)
#define FARM_SXTB16_ROR8(x) farm_emu_sxtb16(farm_emu_ror8(x))
#define FARM_SMLAD(a, b, acc) farm_emu_smlad((a), (b), (acc))
#define FARM_SMLABB(a, b, acc) ((int32_t)((uint32_t)(acc) + (uint32_t)(farm_emu_lo(a) * farm_emu_lo(b))))
#define FARM_SMLATT(a, b, acc) ((int32_t)((uint32_t)(acc) + (uint32_t)(farm_emu_hi(a) * farm_emu_hi(b))))
#define FARM_SADD16(a, b) farm_emu_pack16(farm_emu_lo(a) + farm_emu_lo(b), farm_emu_hi(a) + farm_emu_hi(b))
#else
#define FARM_USE_DSP 0
#endif

#if !FARM_USE_DSP
#define FARM_KERNEL_PATH "plain-c"
#endif

/* PKHBT a, b, LSL #16 (low half of a, low half of b on top) and PKHTB a, b, ASR #16 (top half of
 * a, top half of b below): plain C, which GCC turns into the single instruction on a DSP core. */
#define FARM_PKHBT16(a, b) ((int32_t)(((uint32_t)(a) & 0xFFFFu) | ((uint32_t)(b) << 16)))
#define FARM_PKHTB16(a, b) ((int32_t)(((uint32_t)(a) & 0xFFFF0000u) | ((uint32_t)(b) >> 16)))

#ifndef FARM_SSAT8
/* Saturate to int8; GCC turns this into one SSAT where the core has it. */
#define FARM_SSAT8(x) ((x) < -128 ? -128 : (x) > 127 ? 127 : (x))
#endif

/* Hand-scheduled inner loops (inline assembly) on real DSP cores. They need up to 14 free
 * registers, so only in optimized builds; define FARM_NO_ASM when building with
 * -fno-omit-frame-pointer (r7 reserved). Otherwise the intrinsic C loops are used. */
#if FARM_USE_DSP && !defined(FARM_DSP_EMULATE) && defined(__OPTIMIZE__) && defined(__thumb2__) && \
    !defined(FARM_NO_ASM)
#define FARM_ASM_KERNELS 1
#else
#define FARM_ASM_KERNELS 0
#endif

/* Unaligned-safe 32-bit load (one LDR on Cortex-M4/M7/M33). */
static inline int32_t farm_ld32(const int8_t *p)
{
    int32_t v;
    __builtin_memcpy(&v, p, sizeof v); /* inlined to one LDR even with -ffreestanding */
    return v;
}

static inline void farm_st32(int8_t *p, int32_t v) { __builtin_memcpy(p, &v, sizeof v); }

/* Copy a short run of bytes (a window row: a few taps of a few channels, 4 bytes in KWS's
 * first layer, 9 in VWW's): word moves and a byte tail inline cost less than a library call. */
static inline void farm_copy_short(int8_t *dst, const int8_t *src, int32_t n)
{
    int32_t i = 0;
    for (; i + 3 < n; i += 4) {
        farm_st32(dst + i, farm_ld32(src + i));
    }
    for (; i < n; i++) {
        dst[i] = src[i];
    }
}

#endif /* FARM_SIMD_H */
