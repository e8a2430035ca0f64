/*
 * cmsdk_uart.c - the ARM CMSDK APB UART of the MPS2 FPGA images (QEMU's mps2-an386/an500/an505
 * map their first `-serial` to UART0). Registers: ARM Cortex-M System Design Kit TRM
 * (DDI 0479C) 4.3 "UART": DATA 0x00, STATE 0x04, CTRL 0x08, INTSTATUS/INTCLEAR 0x0C,
 * BAUDDIV 0x10.
 */
#include <stddef.h>
#include <stdint.h>

#include "cmsdk_uart.h"
#include "cortex_m.h"

#define UART_DATA(b) REG32((b) + 0x00u)
#define UART_STATE(b) REG32((b) + 0x04u)
#define UART_CTRL(b) REG32((b) + 0x08u)
#define UART_INTCLEAR(b) REG32((b) + 0x0Cu)
#define UART_BAUDDIV(b) REG32((b) + 0x10u)
#define STATE_TX_FULL (1u << 0)
#define STATE_RX_FULL (1u << 1)
#define CTRL_TX_EN (1u << 0)
#define CTRL_RX_EN (1u << 1)
#define CTRL_RX_INT_EN (1u << 3)
#define INT_RX (1u << 1)

void cmsdk_uart_init(uint32_t base, uint32_t pclk_hz, uint32_t baud)
{
    UART_BAUDDIV(base) = pclk_hz / baud;   /* DDI 0479C 4.3.2: must be >= 16 */
    UART_CTRL(base) = CTRL_TX_EN | CTRL_RX_EN;
}

void cmsdk_uart_rx_irq_enable(uint32_t base)
{
    UART_INTCLEAR(base) = INT_RX;
    UART_CTRL(base) |= CTRL_RX_INT_EN;
}

void cmsdk_uart_rx_irq_clear(uint32_t base) { UART_INTCLEAR(base) = INT_RX; }

int cmsdk_uart_rx_ready(uint32_t base) { return (UART_STATE(base) & STATE_RX_FULL) != 0u; }

void cmsdk_uart_write(uint32_t base, const char *s, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        while (UART_STATE(base) & STATE_TX_FULL) {
        }
        UART_DATA(base) = (uint8_t)s[i];
    }
}

int cmsdk_uart_getc(uint32_t base)
{
    if ((UART_STATE(base) & STATE_RX_FULL) == 0u) {
        return -1;
    }
    return (int)(UART_DATA(base) & 0xFFu);
}
