/* The STM32U5 Nucleo-144 boards (MB1549: NUCLEO-U575ZI-Q, NUCLEO-U5A5ZJ-Q): the part at 160 MHz,
 * TrustZone off (TZEN=0, so the non-secure aliases are used). The U575 and U5A5 share the RCC,
 * GPIO, USART and TIM2 register maps and the board's wiring, so one header serves both.
 * Register facts: RM0456. ST-LINK VCP = USART1 on PA9 (TX) / PA10 (RX), AF7 (UM2861 "Virtual
 * COM port"). Arduino D7 = PF13. */
/* Peripheral registers used through ../common/stm32_periph.h (GPIOx_MODER/OSPEEDR/BSRR/AFR,
 * USART/LPUART CR1/BRR/ISR/RDR/TDR, TIMx CR1/EGR/CNT/PSC/ARR): RM0456 Rev 4: GPIO registers 13.4, USART registers 68.8, TIM2 registers 54.6. */
#ifndef FARM_BOARD_H
#define FARM_BOARD_H
#define BOARD_CORE_CLOCK_HZ 160000000u
#define BOARD_UART_BASE 0x40013800u          /* USART1, RM0456 2.3 memory map */
/* Console kernel clock and kind; stm32_console_baud.h derives BRR from FARM_CONSOLE_BAUD
 * (PCLK2 160 MHz, oversampling 16). */
#define BOARD_UART_CLOCK_HZ 160000000u
#define BOARD_UART_IS_LPUART 0
#define BOARD_UART_HAS_PRESC 0
#define BOARD_UART_AF 7u
#define BOARD_UART_TX_PORT 0x42020000u       /* GPIOA */
#define BOARD_UART_TX_PIN 9u
#define BOARD_UART_RX_PORT 0x42020000u
#define BOARD_UART_RX_PIN 10u
#define BOARD_TIMER_BASE 0x40000000u         /* TIM2 (32-bit) */
#define BOARD_TIMER_CLOCK_HZ 160000000u
#define BOARD_TS_PORT 0x42021400u            /* D7 = PF13 */
#define BOARD_TS_PIN 13u
void board_clock_init(void);
#endif
