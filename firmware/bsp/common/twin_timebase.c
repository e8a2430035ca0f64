/* twin_timebase.c - see twin_timebase.h. */
#include "twin_timebase.h"

/* NOLOAD (sections.ld .twin_config): neither part of the image nor cleared at reset, so the value
 * QEMU's loader wrote before the first instruction survives startup. */
__attribute__((section(".twin_config"), used)) volatile farm_twin_timebase_t farm_twin_timebase;

int twin_timebase_given(void)
{
    return farm_twin_timebase.us_num != 0u && farm_twin_timebase.us_den != 0u;
}

/* Microseconds per instruction as num / den: the record, or QEMU's virtual time (1 ns). */
static uint64_t ratio_num(void) { return twin_timebase_given() ? farm_twin_timebase.us_num : 1u; }
static uint64_t ratio_den(void) { return twin_timebase_given() ? farm_twin_timebase.us_den : 1000u; }

/* num / den in 0.64 fixed point, rounded down (below 1 us per instruction on every target);
 * computed once, at the first reading of the time (boot). */
static uint64_t g_ratio_q64;
static int g_ratio_ready;

static uint64_t ratio_q64(void)
{
    if (!g_ratio_ready) {
        const uint64_t num = ratio_num(), den = ratio_den();
        const uint64_t hi = (num << 32) / den; /* two 32-bit digits of num * 2^64 / den */
        const uint64_t lo = (((num << 32) - hi * den) << 32) / den;
        g_ratio_q64 = (hi << 32) | lo;
        g_ratio_ready = 1;
    }
    return g_ratio_q64;
}

/* The same number of instructions whatever the time: the harness reads the time between the
 * tick-aligned start of a timed region and its first cycle reading, and a 64-bit division (a
 * library loop whose length depends on the dividend) there moved that reading against the
 * twin's 40 ns timer grid with the time since boot: the same run counted one timer step more or
 * less now and then. So: the floor of x * num / den from the fixed-point ratio (a quotient at
 * most one too small) and one branch-free correction by the exact remainder. */
uint32_t twin_time_us(uint64_t instructions)
{
    const uint64_t k = ratio_q64();
    const uint64_t xl = (uint32_t)instructions, xh = instructions >> 32;
    const uint64_t kl = (uint32_t)k, kh = k >> 32;
    /* Bits 64..127 of the 128-bit product instructions * k. */
    const uint64_t m1 = xh * kl + ((xl * kl) >> 32);
    const uint64_t m2 = xl * kh + (uint32_t)m1;
    uint64_t q = xh * kh + (m1 >> 32) + (m2 >> 32);
    /* num stays small (the farm reduces the fraction: 1/120 for 120 MHz at 1.0 cycle per
     * instruction), so the product fits 64 bits for centuries of guest time. */
    const uint64_t den = ratio_den();
    const uint64_t r = instructions * ratio_num() - q * den; /* in [0, 2 den) */
    q += (den - 1u - r) >> 63;                              /* r >= den: one more */
    return (uint32_t)q;
}

uint64_t twin_instructions_in_us(uint32_t us) { return (uint64_t)us * ratio_den() / ratio_num(); }

/* A fixed number of instructions (the width converted once), not a wait on twin_time_us()
 * crossing: where that crossing falls depends on the time since boot, and the first pulse is
 * inside the timed region. */
void twin_delay_us(uint32_t us, uint64_t (*instructions_now)(void))
{
    const uint64_t end = instructions_now() + twin_instructions_in_us(us);
    while (instructions_now() < end) {
    }
}
