#ifndef FARM_SYSTICK_TIME_H
#define FARM_SYSTICK_TIME_H
#include <stdint.h>
void systick_time_init(void);
uint64_t systick_time_ticks(void);
uint64_t systick_time_ns(void);
void systick_time_sync(void);
#endif
