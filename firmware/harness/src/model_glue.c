/*
 * model_glue.c - finds the model blob the farm wrote at the start of the reserved region
 * (linker symbols __model_region_start/__model_region_end), binds it to the arena, and runs it.
 * A region without a valid blob (bad magic) is a normal state: the harness still serves.
 */
#include "model_glue.h"

#include <string.h>

#ifndef FARM_ARENA_BYTES
#define FARM_ARENA_BYTES 65536u
#endif

extern const uint8_t __model_region_start[];
extern const uint8_t __model_region_end[];

/* MODEL_BLOB_C=<model_blob.h> (recipe model: embedded): the blob is compiled into the image,
 * flashed with it, and the reserved region is not read. */
#ifdef FARM_MODEL_BLOB_HEADER
#include FARM_MODEL_BLOB_HEADER
#define MODEL_SOURCE ((const uint8_t *)model_blob)
#define MODEL_SOURCE_BYTES ((size_t)model_blob_len)
#else
#define MODEL_SOURCE __model_region_start
#define MODEL_SOURCE_BYTES model_region_bytes()
#endif

static uint8_t g_storage[FARM_MODEL_STORAGE_BYTES] __attribute__((aligned(8)));
static uint8_t g_arena[FARM_ARENA_BYTES] __attribute__((aligned(16)));
static farm_model_t *g_model;
static farm_status_t g_status = FARM_ERR_MAGIC;
static bool g_has_output;
static uint32_t g_inferences;

void model_load(void)
{
    g_model = NULL;
    g_has_output = false;
    g_status = farm_model_init(g_storage, MODEL_SOURCE, MODEL_SOURCE_BYTES, g_arena,
                               sizeof g_arena, &g_model);
    if (g_status != FARM_OK) {
        g_model = NULL;
    }
}

bool model_ready(void) { return g_model != NULL; }
farm_status_t model_status(void) { return g_status; }
const farm_model_info_t *model_info(void) { return g_model ? farm_model_info(g_model) : NULL; }
size_t model_region_bytes(void) { return (size_t)(__model_region_end - __model_region_start); }
size_t model_arena_bytes(void) { return sizeof g_arena; }
bool model_has_output(void) { return g_has_output; }
const int8_t *model_output(void) { return farm_model_output(g_model); }

const char *model_status_text(farm_status_t status)
{
    switch (status) {
    case FARM_OK:
        return "ok";
    case FARM_ERR_MAGIC:
        return "bad-magic";
    case FARM_ERR_VERSION:
        return "unsupported-version";
    case FARM_ERR_CORRUPT:
        return "corrupt";
    case FARM_ERR_ARENA:
        return "arena-too-small";
    case FARM_ERR_OP:
        return "unknown-operator";
    case FARM_ERR_ALIGN:
        return "misaligned";
    }
    return "unknown-error";
}

void model_set_input(const uint8_t *data, size_t n)
{
    int8_t *input = farm_model_input(g_model);
    size_t want = farm_model_info(g_model)->input_bytes;
    if (n == want) {
        memcpy(input, data, want);
    } else {
        memset(input, 0, want);
    }
}

bool model_input_equals(const uint8_t *data, size_t n)
{
    size_t want = farm_model_info(g_model)->input_bytes;
    if (n != want) {
        for (size_t i = 0; i < want; ++i) {
            if (farm_model_input(g_model)[i] != 0) {
                return false;
            }
        }
        return true;
    }
    return memcmp(farm_model_input(g_model), data, want) == 0;
}

farm_status_t model_invoke(void)
{
    g_inferences++;
#ifdef FARM_FAULT_HANG_AFTER
    /* Fault injection for the farm's own tests: the (N+1)-th inference since boot never
     * returns, so the board stops answering exactly like a hung firmware. */
    if (g_inferences > (uint32_t)(FARM_FAULT_HANG_AFTER)) {
        for (;;) {
        }
    }
#endif
    farm_status_t status = farm_model_invoke(g_model);
    g_has_output = status == FARM_OK;
    return status;
}
