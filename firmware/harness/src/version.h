/* version.h - identity strings; the build passes the real values with -D (see Makefile). */
#ifndef FARM_VERSION_H
#define FARM_VERSION_H

#ifndef FARM_FW_NAME
#define FARM_FW_NAME "joulefarm-harness"
#endif
/* 0: a plain MLPerf Tiny DUT (no farm-info%, results-raw%, cycles%), as a lab's TFLM or vendor
 * firmware would be; the farm then checks outputs from m-results and times with m-lap-us. */
#ifndef FARM_EXTENSIONS
#define FARM_EXTENSIONS 1
#endif
#define FARM_VENDOR "joulefarm"

#ifndef FARM_FW_VERSION
#define FARM_FW_VERSION "dev"
#endif
/* Build identity: the farm's cache key prefix (farm/build/cache.py). farm-info% reports it
 * and the farm compares it with image.json's build_id to know what a board runs. */
#ifndef FARM_BUILD_ID
#define FARM_BUILD_ID "dev"
#endif
#ifndef FARM_ENERGY_MODE
#define FARM_ENERGY_MODE 0
#endif
#if FARM_ENERGY_MODE
#define FARM_MODE_NAME "energy"
#else
#define FARM_MODE_NAME "performance"
#endif

#endif
