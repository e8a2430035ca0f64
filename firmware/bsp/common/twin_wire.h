/*
 * twin_wire.h - the QEMU twin's wires to the virtual lab. A second UART of the twin carries
 * what a real board's pins and supply rail show the bench: the timestamp pin's edges (wired to
 * the power monitor's TGI or D7 input), when the core sleeps in WFI and wakes (its current),
 * and the bounds of the timed region (the virtual lab's ground truth). Each record is 9 bytes:
 * a kind letter and the twin's virtual time in ns (little-endian u64). Under -icount shift=0 a
 * running core advances virtual time by 1 ns per instruction; the farm converts instructions to
 * the real target's time with the catalog's clock and cycles-per-instruction factor.
 */
#ifndef FARM_TWIN_WIRE_H
#define FARM_TWIN_WIRE_H

#include <stdint.h>

#define TWIN_WIRE_SLEEP 'S'   /* the core enters WFI */
#define TWIN_WIRE_WAKE 'W'    /* the core left WFI */
#define TWIN_WIRE_FALL 'F'    /* timestamp pin pulled low (the edge the monitor sees) */
#define TWIN_WIRE_RISE 'R'    /* timestamp pin released */
#define TWIN_WIRE_BEGIN 'T'   /* timed region began at this time (c0) */
#define TWIN_WIRE_END 'E'     /* timed region ended at this time (c1) */

/* One byte out of the wire UART (the board's bsp.c). */
void twin_wire_putc(uint8_t byte);

/* Write one record stamped with the current virtual time. */
void twin_wire_record(char kind);

/* Record sleep / wake around the WFI of bsp_idle(). */
void twin_wire_sleep(void);
void twin_wire_wake(void);

#endif
