/* NUCLEO-G431RB (MB1367, Nucleo-64): STM32G431RB at 170 MHz. Register facts: RM0440.
 * ST-LINK VCP = LPUART1 on PA2 (TX) / PA3 (RX), AF12 (UM2505 "Virtual COM port"; the G4
 * Nucleo-64 wires LPUART1, not USART2, to the ST-LINK). Arduino D7 = PA8. */
/* Peripheral registers used through ../common/stm32_periph.h (GPIOx_MODER/OSPEEDR/BSRR/AFR,
 * USART/LPUART CR1/BRR/ISR/RDR/TDR, TIMx CR1/EGR/CNT/PSC/ARR): RM0440 Rev 7: GPIO registers 9.4, LPUART registers 38.7, TIM2 registers 29.5. */
#ifndef FARM_BOARD_H
#define FARM_BOARD_H
#define BOARD_CORE_CLOCK_HZ 170000000u
#define BOARD_UART_BASE 0x40008000u          /* LPUART1, RM0440 2.2.2 memory map */
/* Console kernel clock and kind; stm32_console_baud.h derives BRR from FARM_CONSOLE_BAUD
 * (RM0440 LPUART BRR, LPUART_PRESC). */
#define BOARD_UART_CLOCK_HZ 170000000u
#define BOARD_UART_IS_LPUART 1
#define BOARD_UART_HAS_PRESC 1
#define BOARD_UART_AF 12u
#define BOARD_UART_TX_PORT 0x48000000u       /* GPIOA */
#define BOARD_UART_TX_PIN 2u
#define BOARD_UART_RX_PORT 0x48000000u
#define BOARD_UART_RX_PIN 3u
#define BOARD_TIMER_BASE 0x40000000u         /* TIM2 (32-bit) */
#define BOARD_TIMER_CLOCK_HZ 170000000u
#define BOARD_TS_PORT 0x48000000u            /* D7 = PA8 */
#define BOARD_TS_PIN 8u
void board_clock_init(void);
#endif
