/*
 * dbuf.c - `db load N%`, `db <hex>%`, `db print%` (specs/dut-protocol.md). The buffer is as
 * large as the board allows (FARM_DB_BYTES); a bigger load is refused with an e-[...] line.
 */
#include "dbuf.h"

#include <string.h>

#include "console.h"
#include "parse.h"

#ifndef FARM_DB_BYTES
#define FARM_DB_BYTES 65536u
#endif

static uint8_t g_buf[FARM_DB_BYTES] __attribute__((aligned(8)));
static size_t g_expected;
static size_t g_filled;

const uint8_t *dbuf_data(void) { return g_buf; }
size_t dbuf_filled(void) { return g_filled; }
size_t dbuf_expected(void) { return g_expected; }

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static void db_load(char *arg)
{
    uint32_t n = 0;
    if (arg == NULL || !parse_u32(arg, &n)) {
        con_line("e-[Command 'db load' requires the # of bytes]");
        return;
    }
    if (n == 0u) {
        con_line("e-[Command 'db load' must be >0 bytes]");
        return;
    }
    if (n > FARM_DB_BYTES) {
        con_str("e-[Supplied buffer size ");
        con_u64(n);
        con_str(" exceeds maximum of ");
        con_u64(FARM_DB_BYTES);
        con_line("]");
        return;
    }
    g_expected = n;
    g_filled = 0;
    con_str("m-[Expecting ");
    con_u64(n);
    con_line(" bytes]");
}

static void db_print(void)
{
    for (size_t i = 0; i < g_filled; i += 8u) {
        con_str("m-buffer-");
        for (size_t j = i; j < g_filled && j < i + 8u; ++j) {
            if (j != i) {
                con_str("-");
            }
            con_hex8(g_buf[j]);
        }
        con_eol();
    }
}

static void db_hex(const char *hex)
{
    size_t len = strlen(hex);
    if (len % 2u != 0u) {
        con_line("e-[Insufficient number of hex digits]");
        return;
    }
    /* Validate the whole chunk first so a bad digit leaves the buffer unchanged. */
    for (size_t i = 0; i < len; ++i) {
        if (hex_value(hex[i]) < 0) {
            con_str("e-[Invalid hex digit '");
            char pair[3] = {hex[i & ~(size_t)1u], hex[i | 1u], 0};
            con_str(pair);
            con_line("']");
            return;
        }
    }
    if (g_expected == 0u || g_filled >= g_expected) {
        con_line("e-[Command 'db' needs a 'db load N' first]");
        return;
    }
    for (size_t i = 0; i < len && g_filled < g_expected; i += 2u) {
        g_buf[g_filled++] = (uint8_t)(hex_value(hex[i]) * 16 + hex_value(hex[i + 1u]));
    }
    if (g_filled == g_expected) {
        con_line("m-load-done");
    }
}

void dbuf_command(char *args)
{
    char *rest = args;
    char *first = next_token(&rest);
    if (first == NULL) {
        con_line("e-[Command 'db' requires arguments]");
    } else if (strcmp(first, "load") == 0) {
        db_load(next_token(&rest));
    } else if (strcmp(first, "print") == 0) {
        db_print();
    } else {
        db_hex(first);
    }
}
