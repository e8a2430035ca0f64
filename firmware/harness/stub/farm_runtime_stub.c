/*
 * farm_runtime_stub.c - TEMPORARY stand-in for firmware/runtime until its sources.mk lands:
 * every blob is "bad magic", so the harness boots and answers with m-model-[none]. The
 * Makefile uses it only when firmware/runtime/sources.mk does not exist.
 */
#include "farm_runtime.h"

farm_status_t farm_model_init(void *storage, const uint8_t *blob, size_t blob_len, uint8_t *arena,
                              size_t arena_len, farm_model_t **out)
{
    (void)storage;
    (void)blob;
    (void)blob_len;
    (void)arena;
    (void)arena_len;
    *out = NULL;
    return FARM_ERR_MAGIC;
}

const farm_model_info_t *farm_model_info(const farm_model_t *model)
{
    (void)model;
    return NULL;
}

int8_t *farm_model_input(farm_model_t *model)
{
    (void)model;
    return NULL;
}

const int8_t *farm_model_output(const farm_model_t *model)
{
    (void)model;
    return NULL;
}

farm_status_t farm_model_invoke(farm_model_t *model)
{
    (void)model;
    return FARM_ERR_MAGIC;
}

const char *farm_runtime_kernel_path(void) { return "none"; }
