/*
 * twin_wire.c - records on the twin's wire UART (see twin_wire.h), and the two BSP calls that
 * produce pin edges and region bounds on a twin: bsp_timestamp_pulse() and bsp_timed_region().
 * The firmware decides when an edge happens; the record carries the time it happened.
 */
#include <stdint.h>

#include "bsp.h"
#include "systick_time.h"
#include "twin_timebase.h"
#include "twin_wire.h"

static void put_record(char kind, uint64_t ns)
{
    twin_wire_putc((uint8_t)kind);
    for (unsigned i = 0; i < 8u; ++i) {
        twin_wire_putc((uint8_t)(ns >> (8u * i)));
    }
}

void twin_wire_record(char kind) { put_record(kind, systick_time_ns()); }

void twin_wire_sleep(void) { twin_wire_record(TWIN_WIRE_SLEEP); }

void twin_wire_wake(void) { twin_wire_record(TWIN_WIRE_WAKE); }

/* Virtual ns = instructions while the core runs (the pulse's wait never sleeps). */
static uint64_t twin_wire_now(void) { return systick_time_ns(); }

/* Low for FARM_TS_PULSE_US of the real target's time (bsp.h), as on a Nucleo. */
void bsp_timestamp_pulse(void)
{
    twin_wire_record(TWIN_WIRE_FALL);
    twin_delay_us(FARM_TS_PULSE_US, twin_wire_now);
    twin_wire_record(TWIN_WIRE_RISE);
}

/* bsp_cycles() counts the same virtual ns as systick_time_ns() (32 bits of it), so a cycle
 * reading maps back to 64-bit virtual time through the distance to a reading taken now. */
void bsp_timed_region(uint32_t c0, uint32_t c1)
{
    uint64_t now = systick_time_ns();
    uint32_t cycles_now = bsp_cycles();
    put_record(TWIN_WIRE_BEGIN, now - (uint32_t)(cycles_now - c0));
    put_record(TWIN_WIRE_END, now - (uint32_t)(cycles_now - c1));
}
