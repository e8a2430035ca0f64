/*
 * k_elementwise.c - ADD and MUL with 4-D broadcasting, COPY (RESHAPE) and LUT8 (int8 functions
 * tabulated by the compiler: int8->int8 QUANTIZE, LOGISTIC).
 *
 * ADD/MUL params start with out dims d0..d3, then input1 strides s0..s3 and input2 strides
 * s0..s3 (elements; 0 where the input broadcasts).
 * ADD then: in1_off, in2_off, out_off, left_shift, m1, sh1, m2, sh2, m_out, sh_out, act_min, act_max.
 * MUL then: in1_off, in2_off, out_off, mult, shift, act_min, act_max.
 * An ADD without broadcasting carries two consts: each input's scaled value, int32[256]
 * indexed by (uint8)x.
 */
#include <string.h>

#include "farm_fixedpoint.h"
#include "farm_kernels.h"
#include "farm_simd.h"

enum { ADD_FAST, ADD_DOUBLE, ADD_SINGLE, MUL_DOUBLE, MUL_SINGLE };

/* The fast-form records of ADD's three requantizations, built once per operator from the
 * TFLite multiplier and shift pairs: farm_fixedpoint.h's {m, L, R, 2^(R-1)} plus a sign mask,
 * 0 when R is 0 (TFLite's scale of exactly 0.5 for the larger input: no rounding shift). */
typedef struct {
    int32_t m, l, r, round, sign_mask;
} add_rq_one_t;

typedef struct {
    add_rq_one_t a, b, out;
} add_rq_t;

static add_rq_one_t rq_record(int32_t m, int32_t shift)
{
    const int32_t r = shift > 0 ? 0 : -shift;
    const add_rq_one_t rec = {m, (shift > 0 ? shift : 0) + 1, r,
                              r > 0 ? (int32_t)(1u << (r - 1)) : 0, r > 0 ? -1 : 0};
    return rec;
}

static inline int32_t add_rq(int32_t x, const add_rq_one_t *r)
{
    const int32_t y = farm_smmulr((int32_t)((uint32_t)x << r->l), r->m);
    return (y + r->round + ((y >> 31) & r->sign_mask)) >> r->r;
}

/* ADD's fast form is exact when each input's (x + offset) << left_shift, doubled, fits int32
 * (|x + offset| <= 255, left_shift <= 21) and all three shifts are <= 0: then every scaled
 * input is below 2^29, their sum below 2^30 and its doubling fits too (farm_rq_fast's
 * condition; R = 0 is handled by the sign mask). TFLite's ADD (left_shift 20, input scales
 * halved against twice the larger one) always has that form with double rounding. */
static int add_fast_ok(const int32_t *q, int single)
{
    return !single && q[3] >= 0 && q[3] <= 21 && q[5] <= 0 && q[5] >= -31 && q[7] <= 0 &&
           q[7] >= -31 && q[9] <= 0 && q[9] >= -31;
}

static inline __attribute__((always_inline)) int32_t binary_one(int32_t a, int32_t b,
                                                                const int32_t *q,
                                                                const add_rq_t *r, const int kind)
{
    if (kind == ADD_FAST) {
        const int32_t sa = (int32_t)((uint32_t)(a + q[0]) << q[3]);
        const int32_t sb = (int32_t)((uint32_t)(b + q[1]) << q[3]);
        const int32_t sum = add_rq(sa, &r->a) + add_rq(sb, &r->b);
        return farm_clamp8(add_rq(sum, &r->out) + q[2], q[10], q[11]);
    }
    if (kind == ADD_DOUBLE || kind == ADD_SINGLE) {
        const int single = kind == ADD_SINGLE;
        const int32_t sa = (int32_t)((uint32_t)(a + q[0]) << q[3]);
        const int32_t sb = (int32_t)((uint32_t)(b + q[1]) << q[3]);
        const int32_t ra = farm_requant(sa, q[4], q[5], single);
        const int32_t rb = farm_requant(sb, q[6], q[7], single);
        return farm_clamp8(farm_requant(ra + rb, q[8], q[9], single) + q[2], q[10], q[11]);
    }
    const int32_t prod = (a + q[0]) * (b + q[1]);
    return farm_clamp8(farm_requant(prod, q[3], q[4], kind == MUL_SINGLE) + q[2], q[5], q[6]);
}

/* One instantiation per kind: the element function is inlined into the loops. */
static inline __attribute__((always_inline)) void broadcast_impl(const farm_op_t *op,
                                                                 const add_rq_t *r,
                                                                 const int kind)
{
    const int32_t *p = op->p;
    const int32_t *q = p + 12;
    const int8_t *a = op->t[0], *b = op->t[1];
    int8_t *out = op->t[2];
    const int32_t sa3 = p[7], sb3 = p[11];
    for (int32_t d0 = 0; d0 < p[0]; d0++) {
        for (int32_t d1 = 0; d1 < p[1]; d1++) {
            for (int32_t d2 = 0; d2 < p[2]; d2++) {
                const int8_t *pa = a + d0 * p[4] + d1 * p[5] + d2 * p[6];
                const int8_t *pb = b + d0 * p[8] + d1 * p[9] + d2 * p[10];
                for (int32_t d3 = 0; d3 < p[3]; d3++) {
                    *out++ = (int8_t)binary_one(pa[d3 * sa3], pb[d3 * sb3], q, r, kind);
                }
            }
        }
    }
}

static __attribute__((noinline)) void add_fast(const farm_op_t *op, const add_rq_t *r)
{
    broadcast_impl(op, r, ADD_FAST);
}

/* The two 1 KB tables of a table ADD, read at random, miss the flash accelerator's data cache
 * (256 B on the L4/L4+/G4) on most elements where they stay in flash: with a 16 KB stack they
 * are copied to it once per operator, for operators long enough to repay the copy (about 300
 * cycles against 5 wait states per miss). */
#if defined(FARM_STACK_BYTES) && FARM_STACK_BYTES >= 16384u
#define ADD_TABLE_COPY_MIN 256
#endif

/* ADD without broadcasting, each input's scaled value read from its table (the compiler's,
 * BLOB.md): two table loads and one requantization per element instead of three
 * requantizations. The output stage is the fast form (`masked`: its R may be 0) or, `generic`,
 * TFLite's formula; every parameter sits in a local so the byte stores, which may alias
 * anything, do not make GCC reload them per element. */
static inline __attribute__((always_inline)) void add_table_impl(const farm_op_t *op,
                                                                 const add_rq_one_t *r,
                                                                 const int masked,
                                                                 const int sat8, const int generic)
{
    const int32_t *q = op->p + 12;
    const int32_t *ta = (const int32_t *)op->c[0], *tb = (const int32_t *)op->c[1];
    const uint8_t *a = (const uint8_t *)op->t[0], *b = (const uint8_t *)op->t[1];
    int8_t *out = op->t[2];
    const int32_t n = op->p[0] * op->p[1] * op->p[2] * op->p[3];
#if defined(ADD_TABLE_COPY_MIN)
    int32_t copy[512];
    if (n >= ADD_TABLE_COPY_MIN) {
        memcpy(copy, ta, 256 * sizeof(int32_t));
        memcpy(copy + 256, tb, 256 * sizeof(int32_t));
        ta = copy;
        tb = copy + 256;
    }
#endif
    const int32_t out_off = q[2], lo = q[10], hi = q[11], m_out = q[8], s_out = q[9];
    /* A local copy of the output record (its sign mask the constant -1 unless `masked`, R >= 1
     * then): add_rq reads it without a reload per element. */
    const add_rq_one_t rec = generic ? (add_rq_one_t){0, 0, 0, 0, 0}
                                     : (add_rq_one_t){r->m, r->l, r->r, r->round,
                                                      masked ? r->sign_mask : -1};
    const int single = op->single_rounding;
    for (int32_t i = 0; i < n; i++) {
        const int32_t sum = ta[a[i]] + tb[b[i]];
        int32_t v = generic ? farm_requant(sum, m_out, s_out, single) : add_rq(sum, &rec);
        v += out_off;
        out[i] = (int8_t)(sat8 ? FARM_SSAT8(v) : farm_clamp8(v, lo, hi));
    }
}

static __attribute__((noinline)) void add_table_sat8(const farm_op_t *op, const add_rq_one_t *r)
{
    add_table_impl(op, r, 0, 1, 0);
}

static __attribute__((noinline)) void add_table_clamp(const farm_op_t *op, const add_rq_one_t *r)
{
    add_table_impl(op, r, 0, 0, 0);
}

static __attribute__((noinline)) void add_table_masked(const farm_op_t *op, const add_rq_one_t *r)
{
    add_table_impl(op, r, 1, 0, 0);
}

static __attribute__((noinline)) void add_table_generic(const farm_op_t *op)
{
    add_table_impl(op, NULL, 0, 0, 1);
}

/* ADD's inputs and output are one contiguous shape: no broadcasting, each input's stride the
 * plain one of its dim (0 where the dim is 1, as the compiler writes it). */
static int add_is_flat(const int32_t *p)
{
    int32_t step = 1;
    for (int32_t d = 3; d >= 0; d--) {
        const int32_t want = p[d] > 1 ? step : 0;
        if (p[4 + d] != want || p[8 + d] != want) {
            return 0;
        }
        step *= p[d];
    }
    return 1;
}

static __attribute__((noinline)) void add_generic(const farm_op_t *op, int single)
{
    if (single) {
        broadcast_impl(op, NULL, ADD_SINGLE);
    } else {
        broadcast_impl(op, NULL, ADD_DOUBLE);
    }
}

void farm_k_add(const farm_op_t *op)
{
    const int32_t *q = op->p + 12;
    const int fast = add_fast_ok(q, op->single_rounding);
    if (op->n_c == 2 && add_is_flat(op->p)) { /* the compiler's input tables (BLOB.md) */
        const add_rq_one_t out = rq_record(q[8], q[9]);
        if (!fast) {
            add_table_generic(op);
        } else if (out.r == 0) {
            add_table_masked(op, &out);
        } else if (q[10] <= -128 && q[11] >= 127) {
            add_table_sat8(op, &out);
        } else {
            add_table_clamp(op, &out);
        }
    } else if (fast) {
        const add_rq_t r = {rq_record(q[4], q[5]), rq_record(q[6], q[7]), rq_record(q[8], q[9])};
        add_fast(op, &r);
    } else {
        add_generic(op, op->single_rounding);
    }
}

void farm_k_mul(const farm_op_t *op)
{
    if (op->single_rounding) {
        broadcast_impl(op, NULL, MUL_SINGLE);
    } else {
        broadcast_impl(op, NULL, MUL_DOUBLE);
    }
}

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
