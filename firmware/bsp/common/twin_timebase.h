/*
 * twin_timebase.h - m-lap-us of a QEMU twin in the time of the real target it stands for.
 *
 * Under -icount shift=0 one guest instruction is 1 ns of QEMU's virtual time, which describes a
 * 1 GHz core. The farm converts a twin's instruction count to the real target's time with the
 * catalog (cycles = instructions x cycles-per-instruction factor, time = cycles / max clock);
 * so that every host program reading m-lap-us gets that same time, the farm writes the ratio
 * microseconds-per-instruction = num / den into farm_twin_timebase before the twin starts
 * (QEMU `-device loader,addr=<symbol>,data=<den:num>,data-len=8`; farm/devices/twin_timebase.py).
 * The record sits in a NOLOAD section, so the image itself never carries it and one image per
 * QEMU machine serves every target of that core (build once). Without it (QEMU started by hand,
 * RAM is zero at power-on) the twin reports QEMU's virtual time, as it always did.
 */
#ifndef FARM_TWIN_TIMEBASE_H
#define FARM_TWIN_TIMEBASE_H

#include <stdint.h>

typedef struct {
    uint32_t us_num;   /* microseconds per instruction = us_num / us_den (both 0: not given) */
    uint32_t us_den;
} farm_twin_timebase_t;

extern volatile farm_twin_timebase_t farm_twin_timebase;

/* Microseconds of the real target's time after `instructions` guest instructions (wraps at
 * 2^32 like the real boards' 32-bit timer). */
uint32_t twin_time_us(uint64_t instructions);

/* Instructions that make `us` microseconds of twin_time_us() (the inverse conversion). */
uint64_t twin_instructions_in_us(uint32_t us);

/* Busy-wait about `us` microseconds of the real target's time (the energy-mode pulse width). */
void twin_delay_us(uint32_t us, uint64_t (*instructions_now)(void));

/* True when the farm gave a timebase (farm-info% reports which clock m-lap-us follows). */
int twin_timebase_given(void);

#endif
