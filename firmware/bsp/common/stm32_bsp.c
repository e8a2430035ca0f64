/*
 * stm32_bsp.c - the BSP API for the real STM32 Nucleo boards, on top of the board's
 * board_clock_init() (clock tree, peripheral clocks) and the constants of its board.h.
 * Time: a 32-bit timer at 1 MHz; cycles: the DWT cycle counter (the harness unwraps it).
 */
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "bsp.h"
#include "stm32_console_baud.h"
#include "stm32_periph.h"

const bsp_info_t bsp_info = {
    .name = FARM_BSP_NAME,
    .core_clock_hz = BOARD_CORE_CLOCK_HZ,
    .cycle_hz = BOARD_CORE_CLOCK_HZ,
    .cycle_unit = "cycles",
};

void bsp_init(void)
{
    board_clock_init();
    stm32_pin_af(BOARD_UART_TX_PORT, BOARD_UART_TX_PIN, BOARD_UART_AF);
    stm32_pin_af(BOARD_UART_RX_PORT, BOARD_UART_RX_PIN, BOARD_UART_AF);
#if BOARD_UART_PRESC != 0u
    REG32(BOARD_UART_BASE + LPUART_PRESC_OFFSET) = BOARD_UART_PRESC; /* written while UE = 0 */
#endif
    stm32_usart_init(BOARD_UART_BASE, (uint32_t)BOARD_UART_BRR);
    stm32_timer_1mhz(BOARD_TIMER_BASE, BOARD_TIMER_CLOCK_HZ);
    stm32_pin_output_high(BOARD_TS_PORT, BOARD_TS_PIN);
    cm_cyccnt_enable();
}

void bsp_uart_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        while ((USART_ISR(BOARD_UART_BASE) & USART_ISR_TXE) == 0u) {
        }
        USART_TDR(BOARD_UART_BASE) = (uint8_t)s[i];
    }
}

int bsp_uart_getc(void)
{
    if ((USART_ISR(BOARD_UART_BASE) & USART_ISR_RXNE) == 0u) {
        return -1;
    }
    return (int)(USART_RDR(BOARD_UART_BASE) & 0xFFu);
}

uint32_t bsp_time_us(void) { return TIM_CNT(BOARD_TIMER_BASE); }

uint32_t bsp_cycles(void) { return DWT_CYCCNT; }

uint64_t bsp_cycles_in_us(uint32_t us) { return (uint64_t)us * (BOARD_CORE_CLOCK_HZ / 1000000u); }

/* Real hardware has no instruction-count quantum to align to. */
void bsp_timing_sync(void) {}

/* No interrupt is enabled on the real boards, so WFI would never wake: poll. */
void bsp_idle(void) {}

/* Falling edge on D7, held low FARM_TS_PULSE_US (bsp.h: 100 us), back high. The wait starts
 * after the edge, so the 1 MHz timer's phase can add < 1 us, never remove any. */
void bsp_timestamp_pulse(void)
{
    GPIO_BSRR(BOARD_TS_PORT) = 1u << (BOARD_TS_PIN + 16u);
    uint32_t start = TIM_CNT(BOARD_TIMER_BASE);
    while (TIM_CNT(BOARD_TIMER_BASE) - start <= FARM_TS_PULSE_US) {
    }
    GPIO_BSRR(BOARD_TS_PORT) = 1u << BOARD_TS_PIN;
}
