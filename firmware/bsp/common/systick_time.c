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

/* Not static: the handler below is assembly and names them. */
volatile uint32_t farm_systick_ms;
volatile uint32_t farm_sync_armed;
#define g_ms farm_systick_ms

/* Counts milliseconds. When a sync is armed it also rewrites the stacked return address
 * (offset 24 of the exception frame, DDI 0403E B1.5.6) so that the interrupted one-instruction
 * loop of systick_time_sync() resumes at farm_sync_exit: the code after a sync then starts at
 * exactly the same point of the tick grid on every run. Naked: SP is still the frame base. */
__attribute__((naked)) void SysTick_Handler(void)
{
    __asm__ volatile("ldr r0, =farm_systick_ms\n"
                     "ldr r1, [r0]\n"
                     "adds r1, r1, #1\n"
                     "str r1, [r0]\n"
                     "ldr r0, =farm_sync_armed\n"
                     "ldr r1, [r0]\n"
                     "cbz r1, 1f\n"
                     "movs r1, #0\n"
                     "str r1, [r0]\n"
                     "ldr r1, =farm_sync_exit\n"
                     "bic r1, r1, #1\n"
                     "str r1, [sp, #24]\n"
                     "1: bx lr\n"
                     ".ltorg\n");
}

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

/* Virtual time in ns (1 instruction = 1 ns under -icount shift=0): milliseconds times 1e6 plus
 * the ticks into the millisecond scaled with 32-bit arithmetic (the clock is a whole number of
 * MHz on every twin). */
uint64_t systick_time_ns(void)
{
    uint32_t ms;
    uint32_t val;
    do {
        ms = g_ms;
        val = SYST_CVR;
    } while (ms != g_ms);
    uint32_t sub = val == 0u ? 0u : TICKS_PER_MS - val;
    return (uint64_t)ms * 1000000u + (sub * 1000u) / (FARM_SYSTICK_HZ / 1000000u);
}

/* Wait for the next SysTick interrupt. Under -icount the interrupt is taken at an exact
 * virtual time; spinning on a single branch-to-self means it always interrupts the same
 * instruction, and the handler resumes us at farm_sync_exit, so this returns at the same
 * phase of the tick grid on every run (a multi-instruction poll loop would add a
 * position-dependent 0-4 instructions and flip the 40-instruction quantum now and then). */
__attribute__((noinline)) void systick_time_sync(void)
{
    farm_sync_armed = 1u;
    __asm__ volatile("farm_sync_loop: b farm_sync_loop\n"
                     ".global farm_sync_exit\n"
                     "farm_sync_exit:\n" ::: "memory");
}
