/* A tiny DUT for the QEMU process tests (mps2-an386, CMSDK UART0 at 0x40004000).
 * Boots like the DUT protocol (m-init-done, m-ready), answers name%, prints the first bytes of
 * the model region (0x00100000) on blob%, hangs on hang%, exits QEMU through semihosting on
 * exit%, and answers anything else with e-[Unknown command: ...]. */
#include <stdint.h>

#define UART_DATA (*(volatile uint32_t *)0x40004000u)
#define UART_STATE (*(volatile uint32_t *)0x40004004u)
#define UART_CTRL (*(volatile uint32_t *)0x40004008u)

static void put(const char *s) {
    while (*s) {
        while (UART_STATE & 1u) {}
        UART_DATA = (uint8_t)*s++;
    }
}

static char get(void) {
    while (!(UART_STATE & 2u)) {}
    return (char)UART_DATA;
}

static int eq(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return *a == *b;
}

static void semihost_exit(void) {
    register uint32_t op __asm__("r0") = 0x18u;        /* SYS_EXIT */
    register uint32_t arg __asm__("r1") = 0x20026u;    /* ADP_Stopped_ApplicationExit */
    __asm__ volatile("bkpt 0xab" : : "r"(op), "r"(arg) : "memory");
}

void reset_handler(void) {
    char cmd[81];
    UART_CTRL = 3u; /* TX and RX enable */
    put("hello\r\nm-timestamp-mode-performance\r\nm-init-done\r\nm-ready\r\n");
    for (;;) {
        unsigned n = 0;
        char c;
        while ((c = get()) != '%') {
            if (n < 80u) cmd[n++] = c;
        }
        cmd[n] = 0;
        if (eq(cmd, "name")) {
            put("m-name-dut-[tiny]\r\n");
        } else if (eq(cmd, "blob")) {
            /* first 4 bytes of the model region, to check the -device loader placement */
            static const char hex[] = "0123456789abcdef";
            const volatile uint8_t *blob = (const volatile uint8_t *)0x00100000u;
            char out[] = "m-blob-[00000000]\r\n";
            for (unsigned i = 0; i < 4u; i++) {
                out[8 + 2 * i] = hex[blob[i] >> 4];
                out[9 + 2 * i] = hex[blob[i] & 15u];
            }
            put(out);
        } else if (eq(cmd, "hang")) {
            for (;;) {}
        } else if (eq(cmd, "exit")) {
            semihost_exit();
        } else {
            put("e-[Unknown command: ");
            put(cmd);
            put("]\r\n");
        }
        put("m-ready\r\n");
    }
}

__attribute__((section(".vectors"), used)) static const uint32_t vectors[2] = {
    0x20010000u, (uint32_t)&reset_handler,
};
