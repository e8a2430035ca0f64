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

/* Requantization of one output channel set (per-channel multiplier and shift). */
typedef struct {
    const int32_t *bias;  /* bias with the input offset folded in */
    const int32_t *mult;
    const int32_t *shift;
    int32_t out_off, act_min, act_max;
    int single;
} farm_rq_t;

/* out[r][c] = requant(bias[c] + sum_k in[r][k] * w[c][k]) for r < rows, c < out_c. */
void farm_matmul(const int8_t *in, int32_t rows, int32_t depth, const int8_t *w, int32_t out_c,
                 const farm_rq_t *q, int8_t *out);

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
