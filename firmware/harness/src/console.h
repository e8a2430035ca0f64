/* console.h - small formatted output to the DUT UART (no printf: small and deterministic). */
#ifndef FARM_CONSOLE_H
#define FARM_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

void con_str(const char *s);
void con_u64(uint64_t v);
void con_i32(int32_t v);
void con_hex8(uint8_t v);
void con_hex_bytes(const uint8_t *p, size_t n);
void con_fixed3(float v);    /* v with 3 decimals, rounded half away from zero */
void con_eol(void);          /* "\r\n" */
void con_line(const char *s); /* s + "\r\n" */

#endif
