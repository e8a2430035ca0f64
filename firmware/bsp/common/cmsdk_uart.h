#ifndef FARM_CMSDK_UART_H
#define FARM_CMSDK_UART_H
#include <stddef.h>
#include <stdint.h>
void cmsdk_uart_init(uint32_t base, uint32_t pclk_hz, uint32_t baud);
void cmsdk_uart_write(uint32_t base, const char *s, size_t n);
int cmsdk_uart_getc(uint32_t base);
/* RX interrupt: raised when a byte arrives (the UART holds one byte, no FIFO). */
void cmsdk_uart_rx_irq_enable(uint32_t base);
void cmsdk_uart_rx_irq_clear(uint32_t base);
/* Nonzero while a received byte waits in DATA. */
int cmsdk_uart_rx_ready(uint32_t base);
#endif
