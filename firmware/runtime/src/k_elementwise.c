/*
 * k_elementwise.c - ADD and MUL with 4-D broadcasting, COPY (RESHAPE) and LUT8 (int8 functions
 * tabulated by the compiler: int8->int8 QUANTIZE, LOGISTIC).
 *
 * ADD/MUL params start with out dims d0..d3, then input1 strides s0..s3 and input2 strides
 * s0..s3 (elements; 0 where the input broadcasts).
 * ADD then: in1_off, in2_off, out_off, left_shift, m1, sh1, m2, sh2, m_out, sh_out, act_min, act_max.
 * MUL then: in1_off, in2_off, out_off, mult, shift, act_min, act_max.
 */
#include <string.h>

#include "farm_fixedpoint.h"
#include "farm_kernels.h"

typedef int32_t (*binary_fn)(int32_t a, int32_t b, const int32_t *q, int single);

static int32_t add_one(int32_t a, int32_t b, const int32_t *q, int single)
{
    const int32_t sa = (int32_t)((uint32_t)(a + q[0]) << q[3]);
    const int32_t sb = (int32_t)((uint32_t)(b + q[1]) << q[3]);
    const int32_t ra = farm_requant(sa, q[4], q[5], single);
    const int32_t rb = farm_requant(sb, q[6], q[7], single);
    return farm_clamp8(farm_requant(ra + rb, q[8], q[9], single) + q[2], q[10], q[11]);
}

static int32_t mul_one(int32_t a, int32_t b, const int32_t *q, int single)
{
    const int32_t prod = (a + q[0]) * (b + q[1]);
    return farm_clamp8(farm_requant(prod, q[3], q[4], single) + q[2], q[5], q[6]);
}

static void broadcast(const farm_op_t *op, binary_fn fn)
{
    const int32_t *p = op->p;
    const int32_t *q = p + 12;
    const int8_t *a = op->t[0], *b = op->t[1];
    int8_t *out = op->t[2];
    int32_t i = 0;
    for (int32_t d0 = 0; d0 < p[0]; d0++) {
        for (int32_t d1 = 0; d1 < p[1]; d1++) {
            for (int32_t d2 = 0; d2 < p[2]; d2++) {
                const int32_t ia = d0 * p[4] + d1 * p[5] + d2 * p[6];
                const int32_t ib = d0 * p[8] + d1 * p[9] + d2 * p[10];
                for (int32_t d3 = 0; d3 < p[3]; d3++) {
                    out[i++] = (int8_t)fn(a[ia + d3 * p[7]], b[ib + d3 * p[11]], q, op->single_rounding);
                }
            }
        }
    }
}

void farm_k_add(const farm_op_t *op) { broadcast(op, add_one); }

void farm_k_mul(const farm_op_t *op) { broadcast(op, mul_one); }

void farm_k_copy(const farm_op_t *op)
{
    if (op->t[0] != op->t[1]) {
        memmove(op->t[1], op->t[0], (size_t)op->p[0]);
    }
}

void farm_k_lut8(const farm_op_t *op)
{
    const int8_t *table = (const int8_t *)op->c[0];
    const int8_t *in = op->t[0];
    int8_t *out = op->t[1];
    const int32_t n = op->p[0];
    for (int32_t i = 0; i < n; i++) {
        out[i] = table[(uint8_t)in[i]];
    }
}
