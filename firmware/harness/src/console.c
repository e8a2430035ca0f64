/* console.c - formatted output without printf (newlib's printf would pull in malloc). */
#include "console.h"

#include <string.h>

#include "bsp.h"

void con_str(const char *s) { bsp_uart_write(s, strlen(s)); }

void con_eol(void) { bsp_uart_write("\r\n", 2u); }

void con_line(const char *s)
{
    con_str(s);
    con_eol();
}

void con_u64(uint64_t v)
{
    char buf[21];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    bsp_uart_write(&buf[i], sizeof buf - i);
}

void con_i32(int32_t v)
{
    if (v < 0) {
        con_str("-");
        con_u64((uint64_t)(-(int64_t)v));
    } else {
        con_u64((uint64_t)v);
    }
}

void con_hex8(uint8_t v)
{
    static const char digits[] = "0123456789abcdef";
    char out[2] = {digits[v >> 4], digits[v & 0xFu]};
    bsp_uart_write(out, 2u);
}

void con_hex_bytes(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        con_hex8(p[i]);
    }
}

void con_fixed3(float v)
{
    /* Scaled to thousandths in double so that values like 0.0005 round the way the host's
     * "%.3f" does for the same float (the host compares raw int8 outputs anyway). */
    double scaled = (double)v * 1000.0;
    int negative = scaled < 0.0;
    if (negative) {
        scaled = -scaled;
    }
    uint64_t milli = (uint64_t)(scaled + 0.5);
    if (negative && milli != 0u) {
        con_str("-");
    }
    con_u64(milli / 1000u);
    char frac[4] = {(char)('0' + (int)(milli / 100u % 10u)), (char)('0' + (int)(milli / 10u % 10u)),
                    (char)('0' + (int)(milli % 10u)), 0};
    con_str(".");
    con_str(frac);
}
