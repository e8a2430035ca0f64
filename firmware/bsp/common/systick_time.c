/*
 * systick_time.c - time keeping from SysTick for the QEMU twins.
 *
 * SysTick counts the processor clock (CSR.CLKSOURCE=1) and interrupts once per millisecond;
 * the handler extends it to 64 bits. Under `qemu-system-arm -icount shift=0` one guest
 * instruction advances virtual time by exactly 1 ns, so SysTick ticks convert to instructions
 * as ticks * 1e9 / FARM_SYSTICK_HZ (40 per tick on the 25 MHz MPS2 boards, 50 on the 20 MHz
 * AN505). Registers: ARMv7-M ARM (DDI 0403E) B3.3.2.
 */
#include <stdint.h>

#include "bsp.h"
#include "cortex_m.h"

#ifndef FARM_SYSTICK_HZ
#error "FARM_SYSTICK_HZ (the SysTick input clock of the board) must be defined"
#endif

#define TICKS_PER_MS (FARM_SYSTICK_HZ / 1000u)

static volatile uint32_t g_ms;

void SysTick_Handler(void) { g_ms = g_ms + 1u; }

void systick_time_init(void)
{
    SYST_CSR = 0u;
    SYST_RVR = TICKS_PER_MS - 1u;
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
}

/* 64-bit tick count; re-reads when the millisecond handler ran in between. The exception is
 * taken as the counter reaches 0, which it then holds for one tick before reloading
 * (DDI 0403E B3.3.1), so 0 means "0 ticks into the new millisecond" and v > 0 means
 * TICKS_PER_MS - v ticks. */
uint64_t systick_time_ticks(void)
{
    uint32_t ms;
    uint32_t val;
    do {
        ms = g_ms;
        val = SYST_CVR;
    } while (ms != g_ms);
    return (uint64_t)ms * TICKS_PER_MS + (val == 0u ? 0u : TICKS_PER_MS - val);
}

/* Wait for the next SysTick interrupt. Under -icount the interrupt is taken at an exact
 * virtual time, so the code after this returns at the same phase of the tick grid every run. */
void systick_time_sync(void)
{
    uint32_t ms = g_ms;
    while (g_ms == ms) {
    }
}
