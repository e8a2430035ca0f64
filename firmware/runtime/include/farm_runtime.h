/*
 * farm_runtime.h - the int8 inference runtime's public API.
 *
 * Contract between the runtime (firmware/runtime/, the compiler's model blob) and its users:
 * the DUT harness (firmware/harness/) and the host shared library driven by
 * farm/compiler/host_runtime.py. Plain C11, no allocation, no vendor libraries.
 *
 * A model blob (written by farm/compiler) lives in a reserved flash region. The runtime reads
 * it in place (constants are never copied) and uses one caller-provided arena for activations.
 */
#ifndef FARM_RUNTIME_H
#define FARM_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes: 0 is success, negatives are errors the harness reports as e-[...] lines. */
typedef enum {
    FARM_OK = 0,
    FARM_ERR_MAGIC = -1,        /* blob does not start with the magic */
    FARM_ERR_VERSION = -2,      /* blob format version not supported by this runtime */
    FARM_ERR_CORRUPT = -3,      /* sizes or offsets outside the blob, bad hash */
    FARM_ERR_ARENA = -4,        /* arena smaller than the blob requires */
    FARM_ERR_OP = -5,           /* operator code unknown to this runtime */
    FARM_ERR_ALIGN = -6         /* blob or arena not aligned as required (4 bytes) */
} farm_status_t;

/* Facts the harness reports in farm-info% (all from the blob header). */
typedef struct {
    uint32_t format_version;
    uint32_t blob_bytes;
    uint32_t arena_bytes;       /* activation memory the blob needs */
    uint32_t op_count;
    uint32_t input_bytes;       /* int8 input tensor size */
    uint32_t output_bytes;      /* int8 output tensor size */
    float input_scale;
    int32_t input_zero_point;
    float output_scale;
    int32_t output_zero_point;
    uint8_t content_hash[16];   /* first 16 bytes of the blob's content hash */
    char model_id[24];          /* NUL-terminated model name from the blob */
} farm_model_info_t;

typedef struct farm_model farm_model_t;   /* opaque; storage provided by the caller */

/* Bytes the caller must reserve for a farm_model_t (kept small and fixed). */
#define FARM_MODEL_STORAGE_BYTES 256u

/* Required alignment of the blob and of the arena (16 recommended for the arena). The arena
 * size a blob needs is farm_model_info()->arena_bytes, or the u32 at byte offset
 * FARM_BLOB_ARENA_BYTES_OFFSET of the blob before init. See firmware/runtime/BLOB.md. */
#define FARM_BLOB_ALIGN 4u
#define FARM_ARENA_ALIGN 4u
#define FARM_BLOB_ARENA_BYTES_OFFSET 20u

/* Check the blob, bind it to the arena. `storage` is FARM_MODEL_STORAGE_BYTES, 8-aligned. */
farm_status_t farm_model_init(void *storage, const uint8_t *blob, size_t blob_len,
                              uint8_t *arena, size_t arena_len, farm_model_t **out);

/* Header facts; valid after a successful init. */
const farm_model_info_t *farm_model_info(const farm_model_t *model);

/* Input and output int8 tensors inside the arena (sizes in farm_model_info). */
int8_t *farm_model_input(farm_model_t *model);
const int8_t *farm_model_output(const farm_model_t *model);

/* Run every operator once. */
farm_status_t farm_model_invoke(farm_model_t *model);

/* Name of the kernel path compiled in: "plain-c" or "cortex-m-dsp". */
const char *farm_runtime_kernel_path(void);

#ifdef __cplusplus
}
#endif

#endif /* FARM_RUNTIME_H */
