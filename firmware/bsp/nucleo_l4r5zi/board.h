/* NUCLEO-L4R5ZI (MB1312, Nucleo-144): STM32L4R5ZI at 120 MHz. Register facts: RM0432.
 * ST-LINK VCP = LPUART1 on PG7 (TX) / PG8 (RX), AF8 (UM2179 "Virtual COM port"); port G is
 * powered from VDDIO2, which must be declared valid (PWR_CR2.IOSV). Arduino D7 = PF13. */
/* Peripheral registers used through ../common/stm32_periph.h (GPIOx_MODER/OSPEEDR/BSRR/AFR,
 * USART/LPUART CR1/BRR/ISR/RDR/TDR, TIMx CR1/EGR/CNT/PSC/ARR): RM0432 Rev 9: GPIO registers 8.5, LPUART registers 51.7, TIM2 registers 38.4. */
#ifndef FARM_BOARD_H
#define FARM_BOARD_H
#define BOARD_CORE_CLOCK_HZ 120000000u
#define BOARD_UART_BASE 0x40008000u          /* LPUART1, RM0432 2.2.2 memory map */
/* Console kernel clock and kind; stm32_console_baud.h derives BRR from FARM_CONSOLE_BAUD
 * (RM0432 LPUART BRR, LPUART_PRESC). */
#define BOARD_UART_CLOCK_HZ 120000000u
#define BOARD_UART_IS_LPUART 1
#define BOARD_UART_HAS_PRESC 1
#define BOARD_UART_AF 8u
#define BOARD_UART_TX_PORT 0x48001800u       /* GPIOG */
#define BOARD_UART_TX_PIN 7u
#define BOARD_UART_RX_PORT 0x48001800u
#define BOARD_UART_RX_PIN 8u
#define BOARD_TIMER_BASE 0x40000000u         /* TIM2 (32-bit) */
#define BOARD_TIMER_CLOCK_HZ 120000000u
#define BOARD_TS_PORT 0x48001400u            /* D7 = PF13 */
#define BOARD_TS_PIN 13u
void board_clock_init(void);
#endif
