/*
 * farm_kernels.h - one resolved operator as the kernels see it, and the kernel entry points.
 */
#ifndef FARM_KERNELS_H
#define FARM_KERNELS_H

#include <stdint.h>

#include "farm_blob.h"

typedef struct {
    int8_t *t[FARM_MAX_OP_TENSORS];      /* arena tensors: inputs first, output last */
    const void *c[FARM_MAX_OP_CONSTS];   /* constant arrays in the blob (16-byte aligned) */
    const int32_t *p;                    /* int32 parameters, layout per opcode (BLOB.md) */
    uint32_t n_t;
    uint32_t n_c;
    uint32_t n_p;
    int single_rounding;
} farm_op_t;

void farm_k_conv(const farm_op_t *op);
void farm_k_depthwise(const farm_op_t *op);
void farm_k_fully_connected(const farm_op_t *op);
void farm_k_average_pool(const farm_op_t *op);
void farm_k_max_pool(const farm_op_t *op);
void farm_k_add(const farm_op_t *op);
void farm_k_mul(const farm_op_t *op);
void farm_k_copy(const farm_op_t *op);
void farm_k_softmax(const farm_op_t *op);
void farm_k_lut8(const farm_op_t *op);
void farm_k_pad(const farm_op_t *op);
void farm_k_concat(const farm_op_t *op);
void farm_k_mean(const farm_op_t *op);

#endif /* FARM_KERNELS_H */
