/* NUCLEO-L476RG (MB1136, Nucleo-64): STM32L476RG at 80 MHz. Register facts: RM0351 Rev 9.
 * ST-LINK VCP = USART2 on PA2 (TX) / PA3 (RX), AF7 (UM1724 6.8 "USART communication");
 * Arduino D7 = PA8 (UM1724 Table 11/ Arduino connectors). */
/* Peripheral registers used through ../common/stm32_periph.h (GPIOx_MODER/OSPEEDR/BSRR/AFR,
 * USART/LPUART CR1/BRR/ISR/RDR/TDR, TIMx CR1/EGR/CNT/PSC/ARR): RM0351 Rev 9: GPIO registers 8.5, USART registers 40.8, TIM2 registers 31.4. */
#ifndef FARM_BOARD_H
#define FARM_BOARD_H
#define BOARD_CORE_CLOCK_HZ 80000000u
#define BOARD_UART_BASE 0x40004400u          /* USART2, RM0351 2.2.2 memory map */
/* Console kernel clock and kind; stm32_console_baud.h derives BRR from FARM_CONSOLE_BAUD
 * (RM0351 40.5.4: oversampling 16). */
#define BOARD_UART_CLOCK_HZ 80000000u
#define BOARD_UART_IS_LPUART 0
#define BOARD_UART_HAS_PRESC 0
#define BOARD_UART_AF 7u
#define BOARD_UART_TX_PORT 0x48000000u       /* GPIOA */
#define BOARD_UART_TX_PIN 2u
#define BOARD_UART_RX_PORT 0x48000000u
#define BOARD_UART_RX_PIN 3u
#define BOARD_TIMER_BASE 0x40000000u         /* TIM2 (32-bit), RM0351 31.4 */
#define BOARD_TIMER_CLOCK_HZ 80000000u       /* APB1 prescaler 1: timer clock = PCLK1 */
#define BOARD_TS_PORT 0x48000000u            /* D7 = PA8 */
#define BOARD_TS_PIN 8u
void board_clock_init(void);
#endif
