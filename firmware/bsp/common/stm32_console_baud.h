/*
 * stm32_console_baud.h - BRR (and the LPUART prescaler) of the console UART for
 * FARM_CONSOLE_BAUD, from the board's BOARD_UART_CLOCK_HZ / BOARD_UART_IS_LPUART /
 * BOARD_UART_HAS_PRESC (board.h).
 *
 * The rate is a build setting (harness Makefile CONSOLE_BAUD, from the recipe version's
 * console_baud): 115200 by default, 9600 for EEMBC energy setups where the UART goes through an
 * isolating IO manager. USART, 16x oversampling: BRR = f / baud (16 bits). LPUART:
 * BRR = 256 f / (prescaler x baud), 0x300 <= BRR < 2^20 (RM0432/RM0440 "LPUART baud rate
 * generation"); at 120-170 MHz that needs the kernel clock divided by 8 (LPUART_PRESC = 0b0100,
 * offset 0x2C on the L4+ and G4) for 9600 baud.
 */
#ifndef FARM_STM32_CONSOLE_BAUD_H
#define FARM_STM32_CONSOLE_BAUD_H

#include "board.h"

#ifndef FARM_CONSOLE_BAUD
#define FARM_CONSOLE_BAUD 115200u
#endif

#define LPUART_BRR_LIMIT (1ull << 20)
#define LPUART_PRESC_OFFSET 0x2Cu
#define LPUART_PRESC_DIV8 4u

#if BOARD_UART_IS_LPUART
#if (256ull * BOARD_UART_CLOCK_HZ) / FARM_CONSOLE_BAUD < LPUART_BRR_LIMIT
#define BOARD_UART_PRESC 0u
#define BOARD_UART_DIVIDER 1ull
#elif BOARD_UART_HAS_PRESC && (256ull * BOARD_UART_CLOCK_HZ) / (8ull * FARM_CONSOLE_BAUD) < LPUART_BRR_LIMIT
#define BOARD_UART_PRESC LPUART_PRESC_DIV8
#define BOARD_UART_DIVIDER 8ull
#else
#error "console: this board's LPUART cannot run FARM_CONSOLE_BAUD from its kernel clock (BRR >= 2^20); use a higher console_baud"
#define BOARD_UART_PRESC 0u
#define BOARD_UART_DIVIDER 1ull
#endif
#define BOARD_UART_BRR \
    ((256ull * BOARD_UART_CLOCK_HZ / BOARD_UART_DIVIDER + FARM_CONSOLE_BAUD / 2u) / FARM_CONSOLE_BAUD)
#if BOARD_UART_BRR < 0x300u
#error "console: FARM_CONSOLE_BAUD too high for this board's LPUART (BRR < 0x300)"
#endif
#else
#define BOARD_UART_PRESC 0u
#define BOARD_UART_BRR ((BOARD_UART_CLOCK_HZ + FARM_CONSOLE_BAUD / 2u) / FARM_CONSOLE_BAUD)
#if BOARD_UART_BRR < 16u || BOARD_UART_BRR > 0xFFFFu
#error "console: FARM_CONSOLE_BAUD out of this board's USART range (16 <= BRR <= 0xFFFF)"
#endif
#endif

#endif
