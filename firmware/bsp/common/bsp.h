/*
 * bsp.h - what the DUT harness needs from a board: one UART, a microsecond clock, a cycle
 * counter, the timestamp GPIO and a few facts. One implementation per board family lives in
 * firmware/bsp/<board>/; the harness never touches a register itself.
 */
#ifndef FARM_BSP_H
#define FARM_BSP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *name;          /* BSP folder name, e.g. "mps2_an386", "nucleo_l4r5zi" */
    uint32_t core_clock_hz;    /* clock the core runs at after bsp_init() */
    uint32_t cycle_hz;         /* rate of bsp_cycles(): core clock, or 1e9 on a twin */
    const char *cycle_unit;    /* "cycles" (real core) or "instructions" (QEMU -icount twin) */
} bsp_info_t;

extern const bsp_info_t bsp_info;

/* Clock tree, UART at FARM_CONSOLE_BAUD 8N1 (build setting, default 115200), timers, timestamp
 * pin. Called once from main(). */
#ifndef FARM_CONSOLE_BAUD
#define FARM_CONSOLE_BAUD 115200u
#endif
void bsp_init(void);

/* Blocking write of n bytes to the console UART. */
void bsp_uart_write(const char *s, size_t n);

/* Next received byte, or -1 when none is waiting (never blocks). */
int bsp_uart_getc(void);

/* Free-running microsecond counter (wraps at 2^32). */
uint32_t bsp_time_us(void);

/* Free-running counter at bsp_info.cycle_hz (wraps at 2^32; the harness unwraps it). */
uint32_t bsp_cycles(void);

/* bsp_cycles() counts expected during `us` microseconds of bsp_time_us() (the harness unwraps
 * cycle deltas with it). On a twin the two clocks are not cycle_hz apart: m-lap-us follows the
 * real target's time while cycles are QEMU instructions (twin_timebase.h). */
uint64_t bsp_cycles_in_us(uint32_t us);

/* Align the caller to a timer tick edge so a timed region starts at the same phase on every
 * run (makes instruction counts on -icount twins exact and repeatable). No-op on real boards. */
void bsp_timing_sync(void);

/* Called while no command byte is waiting. Twins sleep (WFI) until the UART's receive interrupt
 * (or the 1 ms SysTick) wakes them, so an idle QEMU burns little host CPU and each received byte
 * is read at once; real boards return at once (they poll). */
void bsp_idle(void);

/* Energy-mode timestamp: a falling edge on the timestamp pin (Arduino D7), held low for
 * FARM_TS_PULSE_US of the target's time, then high again. EEMBC asks for >= 1 us; 100 us is
 * at least one sample of a 100 kHz monitor (STLINK-V3PWR, LPM01A) and 100 of the JS220's
 * 1 MS/s, yet a tenth of MLPerf's reference pulse (100,000 NOPs, ~1 ms) inside a window. */
#define FARM_TS_PULSE_US 100u
void bsp_timestamp_pulse(void);

#endif /* FARM_BSP_H */
