/*
 * mps2_twin.c - BSP body shared by the MPS2 QEMU twins (an386, an500, an505). The board's
 * bsp.c only names the UART base and clock. Time comes from SysTick (systick_time.c);
 * cycles are guest instructions (1 ns of -icount virtual time each).
 *
 * Idle: the core sleeps in WFI and wakes on SysTick or on the UART's RX interrupt. Without the
 * RX interrupt every received byte waited for the next 1 ms tick (a 66-character `db` command
 * took ~66 ms of wall time); with it the next byte is read as soon as QEMU delivers it.
 */
#include <stddef.h>
#include <stdint.h>

#include "bsp.h"
#include "cmsdk_uart.h"
#include "cortex_m.h"
#include "ram_vectors.h"
#include "systick_time.h"
#include "twin_timebase.h"
#include "twin_wire.h"

#ifndef FARM_UART_BASE
#error "FARM_UART_BASE must be defined by the board"
#endif

/* The wire to the virtual lab (twin_wire.h): UART1, the next CMSDK UART (QEMU's second
 * `-serial`): 0x40005000 on AN385/AN386/AN500, 0x50201000 (Secure alias) on AN505. */
#ifndef FARM_WIRE_UART_BASE
#define FARM_WIRE_UART_BASE (FARM_UART_BASE + 0x1000u)
#endif

/* NVIC line of UART0's receive interrupt. AN385/AN386/AN500 (DAI 0385 table 4-2): UARTRX0 is
 * IRQ 0. AN505 (DAI 0505 table 3-4): IRQ 32/33 are UART0 RX/TX, which some QEMU releases wire
 * swapped, so the twin uses UART0's combined interrupt, IRQ 42 (only RX is enabled). */
#ifndef FARM_UART_RX_IRQN
#if FARM_UART_BASE == 0x40004000u
#define FARM_UART_RX_IRQN 0u
#elif FARM_UART_BASE == 0x50200000u || FARM_UART_BASE == 0x40200000u
#define FARM_UART_RX_IRQN 42u
#else
#error "FARM_UART_RX_IRQN: unknown UART0 interrupt for this FARM_UART_BASE"
#endif
#endif

/* Only wakes the core: the byte stays in DATA for bsp_uart_getc(). */
static void uart_rx_handler(void) { cmsdk_uart_rx_irq_clear(FARM_UART_BASE); }

static void uart_rx_irq_init(void)
{
    cmsdk_uart_rx_irq_enable(FARM_UART_BASE);
    farm_irq_install(FARM_UART_RX_IRQN, uart_rx_handler);
}

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
    cmsdk_uart_init(FARM_UART_BASE, FARM_SYSTICK_HZ, FARM_CONSOLE_BAUD);
    cmsdk_uart_init(FARM_WIRE_UART_BASE, FARM_SYSTICK_HZ, 115200u);
    uart_rx_irq_init();
    systick_time_init();
}

void bsp_uart_write(const char *s, size_t n) { cmsdk_uart_write(FARM_UART_BASE, s, n); }

void twin_wire_putc(uint8_t byte)
{
    const char c = (char)byte;
    cmsdk_uart_write(FARM_WIRE_UART_BASE, &c, 1u);
}

int bsp_uart_getc(void) { return cmsdk_uart_getc(FARM_UART_BASE); }

static uint64_t instructions_now(void) { return systick_time_ticks() * NS_PER_TICK; }

/* The real target's microseconds (twin_timebase.h), not QEMU's 1 GHz virtual time. */
uint32_t bsp_time_us(void) { return twin_time_us(instructions_now()); }

uint32_t bsp_cycles(void) { return (uint32_t)instructions_now(); }

uint64_t bsp_cycles_in_us(uint32_t us) { return twin_instructions_in_us(us); }

void bsp_timing_sync(void) { systick_time_sync(); }

/* Interrupts masked between the check and WFI: a byte arriving in between leaves its interrupt
 * pending, which ends WFI at once (DDI 0403E B1.5.19), instead of being acknowledged before the
 * WFI and leaving it to sleep until the next tick. The sleep and the wake-up go out on the wire:
 * the virtual lab's supply current follows them. The wake is stamped after interrupts are
 * enabled again: the SysTick that ended WFI has then counted its millisecond, where a stamp
 * taken while it was still pending read a time one millisecond early (the counter had already
 * reloaded) and showed the whole sleep as running. */
void bsp_idle(void)
{
    __asm__ volatile("cpsid i" ::: "memory");
    if (cmsdk_uart_rx_ready(FARM_UART_BASE)) {
        __asm__ volatile("cpsie i" ::: "memory");
        return;
    }
    twin_wire_sleep();
    __asm__ volatile("wfi");
    __asm__ volatile("cpsie i" ::: "memory");
    twin_wire_wake();
}
