/* Host driver for twin_timebase.c: `twin_time_check NUM DEN` (0 0: no record) reads one
 * instruction count per line and prints twin_time_us() of it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "twin_timebase.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        return 2;
    }
    farm_twin_timebase.us_num = (uint32_t)strtoul(argv[1], NULL, 10);
    farm_twin_timebase.us_den = (uint32_t)strtoul(argv[2], NULL, 10);
    uint64_t x;
    while (scanf("%" SCNu64, &x) == 1) {
        printf("%" PRIu32 "\n", twin_time_us(x));
    }
    return 0;
}
