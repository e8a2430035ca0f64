/*
 * main.c - joulefarm reference DUT firmware: boot banner, then one command at a time from the
 * UART (terminated by '%', at most 80 characters), each answer ending with m-ready.
 */
#include <stdbool.h>
#include <stddef.h>

#include "bsp.h"
#include "commands.h"
#include "console.h"
#include "model_glue.h"
#include "version.h"

#define CMD_MAX_CHARS 80u

static void boot_banner(void)
{
    con_line("m-timestamp-mode-" FARM_MODE_NAME);
    commands_timestamp();
    con_line("m-init-done");
    con_line("m-ready");
}

int main(void)
{
    static char line[CMD_MAX_CHARS + 1u];
    size_t len = 0;
    bool overflow = false;

    bsp_init();
    model_load();
    boot_banner();
    for (;;) {
        int c = bsp_uart_getc();
        if (c < 0) {
            bsp_idle();
            continue;
        }
        if (c == '\r' || c == '\n') {
            continue;
        }
        if (c != '%') {
            if (len < CMD_MAX_CHARS) {
                line[len++] = (char)c;
            } else {
                overflow = true;
            }
            continue;
        }
        line[len] = '\0';
        if (overflow) {
            con_line("e-[Command too long: max 80 characters]");
        } else {
            commands_dispatch(line);
        }
        con_line("m-ready");
        len = 0;
        overflow = false;
    }
}
