/* NUCLEO-F767ZI (MB1137, Nucleo-144): STM32F767ZI at 216 MHz. Register facts: RM0410.
 * ST-LINK VCP = USART3 on PD8 (TX) / PD9 (RX), AF7 (UM1974 6.9 "USART communication");
 * Arduino D7 = PF13. */
/* Peripheral registers used through ../common/stm32_periph.h (GPIOx_MODER/OSPEEDR/BSRR/AFR,
 * USART/LPUART CR1/BRR/ISR/RDR/TDR, TIMx CR1/EGR/CNT/PSC/ARR): RM0410 Rev 4: GPIO registers 6.4, USART registers 34.8, TIM2 registers 27.4. */
#ifndef FARM_BOARD_H
#define FARM_BOARD_H
#define BOARD_CORE_CLOCK_HZ 216000000u
#define BOARD_UART_BASE 0x40004800u          /* USART3, RM0410 2.2.2 memory map */
/* Console kernel clock and kind; stm32_console_baud.h derives BRR from FARM_CONSOLE_BAUD
 * (PCLK1 54 MHz, oversampling 16). */
#define BOARD_UART_CLOCK_HZ 54000000u
#define BOARD_UART_IS_LPUART 0
#define BOARD_UART_HAS_PRESC 0
#define BOARD_UART_AF 7u
#define BOARD_UART_TX_PORT 0x40020C00u       /* GPIOD */
#define BOARD_UART_TX_PIN 8u
#define BOARD_UART_RX_PORT 0x40020C00u
#define BOARD_UART_RX_PIN 9u
#define BOARD_TIMER_BASE 0x40000000u         /* TIM2 (32-bit) */
#define BOARD_TIMER_CLOCK_HZ 108000000u      /* APB1 /4 -> timers at 2 x PCLK1 (RM0410 5.2) */
#define BOARD_TS_PORT 0x40021400u            /* D7 = PF13 */
#define BOARD_TS_PIN 13u
void board_clock_init(void);
#endif
