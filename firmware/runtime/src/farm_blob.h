/*
 * farm_blob.h - model blob format version 2 (see ../BLOB.md). Mirrors farm/compiler/blob_format.py.
 * All fields little-endian; the blob is read in place and must be 4-byte aligned.
 */
#ifndef FARM_BLOB_H
#define FARM_BLOB_H

#include <stdint.h>

#define FARM_BLOB_MAGIC 0x424D5246u /* "FRMB" */
#define FARM_BLOB_VERSION 4u
#define FARM_BLOB_HEADER_BYTES 128u
#define FARM_TENSOR_ENTRY_BYTES 16u
#define FARM_MAX_OP_TENSORS 16u
#define FARM_MAX_OP_CONSTS 8u
#define FARM_TENSOR_CONST 0x80000000u /* tensor offset points into the blob's constants */

/* Header byte offsets. */
#define FARM_H_MAGIC 0u
#define FARM_H_VERSION 4u
#define FARM_H_HEADER_BYTES 8u
#define FARM_H_BLOB_BYTES 12u
#define FARM_H_FLAGS 16u
#define FARM_H_ARENA_BYTES 20u
#define FARM_H_TENSOR_COUNT 24u
#define FARM_H_TENSOR_OFFSET 28u
#define FARM_H_OP_COUNT 32u
#define FARM_H_OP_OFFSET 36u
#define FARM_H_CONST_OFFSET 40u
#define FARM_H_CONST_BYTES 44u
#define FARM_H_INPUT_TENSOR 48u
#define FARM_H_OUTPUT_TENSOR 52u
#define FARM_H_INPUT_SCALE 56u
#define FARM_H_INPUT_ZP 60u
#define FARM_H_OUTPUT_SCALE 64u
#define FARM_H_OUTPUT_ZP 68u
#define FARM_H_CRC32 72u
#define FARM_H_CONTENT_HASH 80u
#define FARM_H_MODEL_ID 96u

/* Header flags. */
#define FARM_FLAG_SINGLE_ROUNDING 1u
#define FARM_FLAG_FLOAT_INPUT 2u
#define FARM_FLAG_FLOAT_OUTPUT 4u

/* Operator codes. */
enum {
    FARM_OP_CONV = 1,
    FARM_OP_DEPTHWISE_CONV = 2,
    FARM_OP_FULLY_CONNECTED = 3,
    FARM_OP_AVERAGE_POOL = 4,
    FARM_OP_MAX_POOL = 5,
    FARM_OP_ADD = 6,
    FARM_OP_MUL = 7,
    FARM_OP_COPY = 8,
    FARM_OP_SOFTMAX = 9,
    FARM_OP_LUT8 = 10,
    FARM_OP_PAD = 11,
    FARM_OP_CONCAT = 12,
    FARM_OP_MEAN = 13,
    FARM_OP_COUNT_ = 14
};

#endif /* FARM_BLOB_H */
