/* twin_timebase.c - see twin_timebase.h. */
#include "twin_timebase.h"

/* NOLOAD (sections.ld .twin_config): neither part of the image nor cleared at reset, so the value
 * QEMU's loader wrote before the first instruction survives startup. */
__attribute__((section(".twin_config"), used)) volatile farm_twin_timebase_t farm_twin_timebase;

int twin_timebase_given(void)
{
    return farm_twin_timebase.us_num != 0u && farm_twin_timebase.us_den != 0u;
}

uint32_t twin_time_us(uint64_t instructions)
{
    if (!twin_timebase_given()) {
        return (uint32_t)(instructions / 1000u); /* QEMU virtual time: 1 instruction = 1 ns */
    }
    /* num stays small (the farm reduces the fraction: 1/120 for 120 MHz at 1.0 cycle per
     * instruction), so the product fits 64 bits for centuries of guest time. */
    return (uint32_t)(instructions * farm_twin_timebase.us_num / farm_twin_timebase.us_den);
}

uint64_t twin_instructions_in_us(uint32_t us)
{
    if (!twin_timebase_given()) {
        return (uint64_t)us * 1000u;
    }
    return (uint64_t)us * farm_twin_timebase.us_den / farm_twin_timebase.us_num;
}

void twin_delay_us(uint32_t us, uint64_t (*instructions_now)(void))
{
    uint64_t start = instructions_now();
    while ((uint32_t)(twin_time_us(instructions_now()) - twin_time_us(start)) < us) {
    }
}
