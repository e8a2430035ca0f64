/*
 * bsp.c - QEMU netduinoplus2 twin (STM32F405). Registers from RM0090 (STM32F405/415 reference
 * manual); QEMU maps its first `-serial` to USART1 (0x40011000). QEMU's stm32f2xx timer counts
 * at 1 GHz = 1 ns of -icount virtual time = 1 guest instruction, so TIM2's counter reads
 * instructions directly.
 */
#include <stddef.h>
#include <stdint.h>

#include "bsp.h"
#include "cortex_m.h"
#include "ram_vectors.h"
#include "systick_time.h"
#include "twin_timebase.h"
#include "twin_wire.h"

/* USART1, RM0090 30.6 (USART_SR 30.6.1, USART_DR 30.6.2, USART_BRR 30.6.3, USART_CR1 30.6.4). */
#define USART1_BASE 0x40011000u
#define USART_SR REG32(USART1_BASE + 0x00u)
#define USART_DR REG32(USART1_BASE + 0x04u)
#define USART_BRR REG32(USART1_BASE + 0x08u)
#define USART_CR1 REG32(USART1_BASE + 0x0Cu)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_UE (1u << 13)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_RXNEIE (1u << 5)
#define USART1_IRQN 37u /* RM0090 12.2 Table 61: USART1 global interrupt, position 37 */

/* USART2 (QEMU's second `-serial`): the wire to the virtual lab (twin_wire.h). */
#define USART2_BASE 0x40004400u
#define USART2_SR REG32(USART2_BASE + 0x00u)
#define USART2_DR REG32(USART2_BASE + 0x04u)
#define USART2_BRR REG32(USART2_BASE + 0x08u)
#define USART2_CR1 REG32(USART2_BASE + 0x0Cu)

/* TIM2, RM0090 18.4 (TIMx_CR1 18.4.1, TIMx_EGR 18.4.6, TIMx_CNT 18.4.10, TIMx_PSC 18.4.11,
 * TIMx_ARR 18.4.12). */
#define TIM2_BASE 0x40000000u
#define TIM2_CR1 REG32(TIM2_BASE + 0x00u)
#define TIM2_EGR REG32(TIM2_BASE + 0x14u)
#define TIM2_CNT REG32(TIM2_BASE + 0x24u)
#define TIM2_PSC REG32(TIM2_BASE + 0x28u)
#define TIM2_ARR REG32(TIM2_BASE + 0x2Cu)

#define SYSCLK_HZ 168000000u

const bsp_info_t bsp_info = {
    .name = "netduinoplus2",
    .core_clock_hz = SYSCLK_HZ,
    .cycle_hz = 1000000000u,
    .cycle_unit = "instructions",
};

/* RXNE is a level that only a DR read lowers (QEMU ignores RXNEIE going off), so the handler
 * disables the interrupt in the NVIC instead of returning into it again; bsp_idle() enables it
 * before sleeping. The byte stays in DR for bsp_uart_getc(). */
static void usart1_rx_wake(void) { NVIC_ICER(USART1_IRQN / 32u) = 1u << (USART1_IRQN % 32u); }

void bsp_init(void)
{
    /* APB2 at 84 MHz on a real F405 at 168 MHz: BRR = 84e6 / baud (RM0090 30.3.4). QEMU
     * ignores the rate; the value is the one real hardware would need. */
    USART_BRR = 84000000u / FARM_CONSOLE_BAUD;
    USART_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    farm_irq_install(USART1_IRQN, usart1_rx_wake);
    USART2_BRR = 42000000u / 115200u; /* APB1 at 42 MHz on a real F405 (RM0090 30.3.4) */
    USART2_CR1 = USART_CR1_UE | USART_CR1_TE;
    TIM2_PSC = 0u;
    TIM2_ARR = 0xFFFFFFFFu;
    TIM2_EGR = 1u;  /* UG: load PSC */
    TIM2_CR1 = 1u;  /* CEN */
    systick_time_init();
}

void bsp_uart_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        while ((USART_SR & USART_SR_TXE) == 0u) {
        }
        USART_DR = (uint8_t)s[i];
    }
}

void twin_wire_putc(uint8_t byte)
{
    while ((USART2_SR & USART_SR_TXE) == 0u) {
    }
    USART2_DR = byte;
}

int bsp_uart_getc(void)
{
    if ((USART_SR & USART_SR_RXNE) == 0u) {
        return -1;
    }
    return (int)(USART_DR & 0xFFu);
}

/* SysTick ticks at 168 MHz of virtual time: 1e9 / 168e6 = 125 / 21 instructions per tick. The
 * division by 21 runs as three 32-bit divisions (one instruction each) instead of the 64-bit
 * library loop, whose length follows the dividend: bsp_time_us() runs between a timed region's
 * tick-aligned start and its first cycle reading, so its length must not depend on the time
 * (twin_timebase.c). */
static uint64_t instructions_now(void)
{
    const uint64_t n = systick_time_ticks() * 125u;
    const uint32_t hi = (uint32_t)(n >> 32), lo = (uint32_t)n;
    const uint32_t q2 = hi / 21u, r2 = hi - q2 * 21u;
    const uint32_t mid = (r2 << 16) | (lo >> 16); /* < 21 * 2^16 */
    const uint32_t q1 = mid / 21u, r1 = mid - q1 * 21u;
    const uint32_t q0 = ((r1 << 16) | (lo & 0xFFFFu)) / 21u;
    return ((uint64_t)q2 << 32) + ((uint64_t)q1 << 16) + q0;
}

/* The real target's microseconds (twin_timebase.h), not QEMU's 1 GHz virtual time. */
uint32_t bsp_time_us(void) { return twin_time_us(instructions_now()); }

uint32_t bsp_cycles(void) { return TIM2_CNT; }

uint64_t bsp_cycles_in_us(uint32_t us) { return twin_instructions_in_us(us); }

void bsp_timing_sync(void) { systick_time_sync(); }

/* Sleep until SysTick or a received byte. Interrupts are masked between the check and WFI so a
 * byte arriving in between ends WFI at once (DDI 0403E B1.5.19). The wake is stamped once the
 * SysTick that ended WFI has run (see mps2_twin.c): a stamp taken while it was pending read a
 * time one millisecond early. */
void bsp_idle(void)
{
    __asm__ volatile("cpsid i" ::: "memory");
    if ((USART_SR & USART_SR_RXNE) != 0u) {
        __asm__ volatile("cpsie i" ::: "memory");
        return;
    }
    NVIC_ICPR(USART1_IRQN / 32u) = 1u << (USART1_IRQN % 32u);
    NVIC_ISER(USART1_IRQN / 32u) = 1u << (USART1_IRQN % 32u);
    twin_wire_sleep();
    __asm__ volatile("wfi");
    __asm__ volatile("cpsie i" ::: "memory");
    twin_wire_wake();
}
