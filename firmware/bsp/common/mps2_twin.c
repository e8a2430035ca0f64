/*
 * mps2_twin.c - BSP body shared by the MPS2 QEMU twins (an386, an500, an505). The board's
 * bsp.c only names the UART base and clock. Time comes from SysTick (systick_time.c);
 * cycles are guest instructions (1 ns of -icount virtual time each).
 */
#include <stddef.h>
#include <stdint.h>

#include "bsp.h"
#include "cmsdk_uart.h"
#include "systick_time.h"

#ifndef FARM_UART_BASE
#error "FARM_UART_BASE must be defined by the board"
#endif

#define NS_PER_TICK (1000000000u / FARM_SYSTICK_HZ)
#define TICKS_PER_US (FARM_SYSTICK_HZ / 1000000u)

const bsp_info_t bsp_info = {
    .name = FARM_BSP_NAME,
    .core_clock_hz = FARM_SYSTICK_HZ,
    .cycle_hz = 1000000000u,
    .cycle_unit = "instructions",
};

void bsp_init(void)
{
    cmsdk_uart_init(FARM_UART_BASE, FARM_SYSTICK_HZ, 115200u);
    systick_time_init();
}

void bsp_uart_write(const char *s, size_t n) { cmsdk_uart_write(FARM_UART_BASE, s, n); }

int bsp_uart_getc(void) { return cmsdk_uart_getc(FARM_UART_BASE); }

uint32_t bsp_time_us(void) { return (uint32_t)(systick_time_ticks() / TICKS_PER_US); }

uint32_t bsp_cycles(void) { return (uint32_t)(systick_time_ticks() * NS_PER_TICK); }

void bsp_timing_sync(void) { systick_time_sync(); }

void bsp_idle(void) { __asm__ volatile("wfi"); }

/* The MPS2 images have no pin wired to a power monitor: energy mode is not meaningful on a
 * twin, the pulse is a no-op. */
void bsp_timestamp_pulse(void) {}
