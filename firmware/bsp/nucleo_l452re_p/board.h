/* NUCLEO-L452RE-P (MB1319, Nucleo-64-P): STM32L452RE at 80 MHz. Register facts: RM0394.
 * ST-LINK VCP = LPUART1 on PA2 (TX) / PA3 (RX), AF8 (UM2206 "Virtual COM port"; the -P boards
 * wire LPUART1, not USART2). Arduino D7 = PA8. */
/* Peripheral registers used through ../common/stm32_periph.h (GPIOx_MODER/OSPEEDR/BSRR/AFR,
 * USART/LPUART CR1/BRR/ISR/RDR/TDR, TIMx CR1/EGR/CNT/PSC/ARR): RM0394 Rev 4: GPIO registers 8.5, LPUART registers 39.7, TIM2 registers 27.4. */
#ifndef FARM_BOARD_H
#define FARM_BOARD_H
#define BOARD_CORE_CLOCK_HZ 80000000u
#define BOARD_UART_BASE 0x40008000u          /* LPUART1, RM0394 2.2.2 memory map */
/* Console kernel clock and kind; stm32_console_baud.h derives BRR from FARM_CONSOLE_BAUD
 * (RM0394 LPUART BRR; no prescaler on this LPUART). */
#define BOARD_UART_CLOCK_HZ 80000000u
#define BOARD_UART_IS_LPUART 1
#define BOARD_UART_HAS_PRESC 0
#define BOARD_UART_AF 8u
#define BOARD_UART_TX_PORT 0x48000000u       /* GPIOA */
#define BOARD_UART_TX_PIN 2u
#define BOARD_UART_RX_PORT 0x48000000u
#define BOARD_UART_RX_PIN 3u
#define BOARD_TIMER_BASE 0x40000000u         /* TIM2 (32-bit), RM0394 TIM2 */
#define BOARD_TIMER_CLOCK_HZ 80000000u       /* APB1 prescaler 1: timer clock = PCLK1 */
#define BOARD_TS_PORT 0x48000000u            /* D7 = PA8 */
#define BOARD_TS_PIN 8u
void board_clock_init(void);
#endif
