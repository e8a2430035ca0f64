/*
 * farm_runtime.c - blob checking, arena binding and the operator loop.
 */
#include "farm_runtime.h"

#include <string.h>

#include "farm_blob.h"
#include "farm_kernels.h"
#include "farm_simd.h"

struct farm_model {
    const uint8_t *blob;
    uint8_t *arena;
    const uint8_t *tensors;
    const uint8_t *ops;
    uint32_t flags;
    farm_model_info_t info;
    int8_t *input;
    int8_t *output;
};

_Static_assert(sizeof(struct farm_model) <= FARM_MODEL_STORAGE_BYTES, "farm_model_t too big");

typedef void (*farm_kernel_fn)(const farm_op_t *op);

/* The constant counts an opcode accepts, one bit per count. */
#define CONSTS(n) (1u << (n))

/* Per opcode: kernel, minimum tensors, accepted constant counts (ADD has its input tables only
 * without broadcasting), minimum params. */
static const struct {
    farm_kernel_fn fn;
    uint8_t n_t, consts, n_p;
} k_table[FARM_OP_COUNT_] = {
    [FARM_OP_CONV] = {farm_k_conv, 3, CONSTS(3), 21},
    [FARM_OP_DEPTHWISE_CONV] = {farm_k_depthwise, 2, CONSTS(4), 21},
    [FARM_OP_FULLY_CONNECTED] = {farm_k_fully_connected, 2, CONSTS(3), 7},
    [FARM_OP_AVERAGE_POOL] = {farm_k_average_pool, 2, CONSTS(0), 14},
    [FARM_OP_MAX_POOL] = {farm_k_max_pool, 2, CONSTS(0), 14},
    [FARM_OP_ADD] = {farm_k_add, 3, CONSTS(0) | CONSTS(2), 24},
    [FARM_OP_MUL] = {farm_k_mul, 3, CONSTS(0), 19},
    [FARM_OP_COPY] = {farm_k_copy, 2, CONSTS(0), 1},
    [FARM_OP_SOFTMAX] = {farm_k_softmax, 2, CONSTS(1), 2},
    [FARM_OP_LUT8] = {farm_k_lut8, 2, CONSTS(1), 1},
    [FARM_OP_PAD] = {farm_k_pad, 2, CONSTS(0), 13},
    [FARM_OP_CONCAT] = {farm_k_concat, 2, CONSTS(0), 3},
    [FARM_OP_MEAN] = {farm_k_mean, 2, CONSTS(0), 10},
};

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static float rdf32(const uint8_t *p)
{
    uint32_t u = rd32(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* CRC-32 (zlib polynomial), nibble table: small code, no 1 KB table in flash. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, uint32_t n)
{
    static const uint32_t t[16] = {0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu,
                                   0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
                                   0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
                                   0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
    crc = ~crc;
    for (uint32_t i = 0; i < n; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ t[crc & 15u];
        crc = (crc >> 4) ^ t[crc & 15u];
    }
    return ~crc;
}

/* Walk one operator record: check it, and fill `op` when given. Returns the next record or NULL. */
static const uint8_t *walk_op(const farm_model_t *m, const uint8_t *rec, const uint8_t *end,
                              farm_op_t *op, farm_status_t *status)
{
    *status = FARM_ERR_CORRUPT;
    if ((size_t)(end - rec) < 16u) {
        return NULL;
    }
    const uint32_t code = rd32(rec), n_t = rd32(rec + 4), n_c = rd32(rec + 8), n_p = rd32(rec + 12);
    if (code == 0u || code >= (uint32_t)FARM_OP_COUNT_) {
        *status = FARM_ERR_OP;
        return NULL;
    }
    if (n_t > FARM_MAX_OP_TENSORS || n_c > FARM_MAX_OP_CONSTS || n_t < k_table[code].n_t ||
        !(k_table[code].consts & CONSTS(n_c)) || n_p < k_table[code].n_p || n_p > 4096u) {
        return NULL;
    }
    const uint32_t words = 4u + n_t + 2u * n_c + n_p;
    if ((size_t)(end - rec) < (size_t)words * 4u) {
        return NULL;
    }
    const uint8_t *w = rec + 16;
    for (uint32_t i = 0; i < n_t; i++, w += 4) {
        const uint32_t id = rd32(w);
        if (id >= rd32(m->blob + FARM_H_TENSOR_COUNT)) {
            return NULL;
        }
        if (op != NULL) {
            const uint32_t off = rd32(m->tensors + id * FARM_TENSOR_ENTRY_BYTES);
            /* Constant operands are read in place from the blob; kernels never write inputs. */
            op->t[i] = (off & FARM_TENSOR_CONST) != 0u ? (int8_t *)(uintptr_t)(m->blob + (off & ~FARM_TENSOR_CONST))
                                                       : (int8_t *)(m->arena + off);
        }
    }
    const uint32_t c_lo = rd32(m->blob + FARM_H_CONST_OFFSET);
    const uint32_t c_hi = c_lo + rd32(m->blob + FARM_H_CONST_BYTES);
    for (uint32_t i = 0; i < n_c; i++, w += 8) {
        const uint32_t off = rd32(w), len = rd32(w + 4);
        if (off < c_lo || off > c_hi || len > c_hi - off || (off & 3u) != 0u) {
            return NULL;
        }
        if (op != NULL) {
            op->c[i] = m->blob + off;
        }
    }
    if (op != NULL) {
        op->p = (const int32_t *)(const void *)w;
        op->n_t = n_t;
        op->n_c = n_c;
        op->n_p = n_p;
        op->single_rounding = (m->flags & FARM_FLAG_SINGLE_ROUNDING) != 0u;
    }
    *status = FARM_OK;
    return rec + words * 4u;
}

static farm_status_t check_header(const uint8_t *blob, size_t len)
{
    if (len < FARM_BLOB_HEADER_BYTES || rd32(blob + FARM_H_MAGIC) != FARM_BLOB_MAGIC) {
        return FARM_ERR_MAGIC;
    }
    if (rd32(blob + FARM_H_VERSION) != FARM_BLOB_VERSION) {
        return FARM_ERR_VERSION;
    }
    const uint32_t total = rd32(blob + FARM_H_BLOB_BYTES);
    if (rd32(blob + FARM_H_HEADER_BYTES) != FARM_BLOB_HEADER_BYTES || total > len ||
        total < FARM_BLOB_HEADER_BYTES) {
        return FARM_ERR_CORRUPT;
    }
    const uint32_t nt = rd32(blob + FARM_H_TENSOR_COUNT), toff = rd32(blob + FARM_H_TENSOR_OFFSET);
    const uint32_t ooff = rd32(blob + FARM_H_OP_OFFSET), coff = rd32(blob + FARM_H_CONST_OFFSET);
    const uint32_t cbytes = rd32(blob + FARM_H_CONST_BYTES);
    if (nt > 65535u || toff < FARM_BLOB_HEADER_BYTES || toff + nt * FARM_TENSOR_ENTRY_BYTES > ooff ||
        ooff > coff || coff > total || cbytes > total - coff || (toff | ooff | coff) & 3u) {
        return FARM_ERR_CORRUPT;
    }
    if (rd32(blob + FARM_H_INPUT_TENSOR) >= nt || rd32(blob + FARM_H_OUTPUT_TENSOR) >= nt) {
        return FARM_ERR_CORRUPT;
    }
    if (crc32_update(0u, blob + FARM_BLOB_HEADER_BYTES, total - FARM_BLOB_HEADER_BYTES) !=
        rd32(blob + FARM_H_CRC32)) {
        return FARM_ERR_CORRUPT;
    }
    return FARM_OK;
}

farm_status_t farm_model_init(void *storage, const uint8_t *blob, size_t blob_len, uint8_t *arena,
                              size_t arena_len, farm_model_t **out)
{
    if (storage == NULL || blob == NULL || out == NULL || ((uintptr_t)blob & 3u) != 0u ||
        ((uintptr_t)arena & 3u) != 0u || ((uintptr_t)storage & 7u) != 0u) {
        return FARM_ERR_ALIGN;
    }
    farm_status_t st = check_header(blob, blob_len);
    if (st != FARM_OK) {
        return st;
    }
    const uint32_t arena_need = rd32(blob + FARM_H_ARENA_BYTES);
    if (arena_len < arena_need || (arena == NULL && arena_need != 0u)) {
        return FARM_ERR_ARENA;
    }
    farm_model_t *m = (farm_model_t *)storage;
    memset(m, 0, sizeof *m);
    m->blob = blob;
    m->arena = arena;
    m->flags = rd32(blob + FARM_H_FLAGS);
    m->tensors = blob + rd32(blob + FARM_H_TENSOR_OFFSET);
    m->ops = blob + rd32(blob + FARM_H_OP_OFFSET);
    const uint32_t nt = rd32(blob + FARM_H_TENSOR_COUNT);
    const uint32_t c_lo = rd32(blob + FARM_H_CONST_OFFSET);
    const uint32_t c_hi = c_lo + rd32(blob + FARM_H_CONST_BYTES);
    for (uint32_t i = 0; i < nt; i++) {
        const uint8_t *e = m->tensors + i * FARM_TENSOR_ENTRY_BYTES;
        const uint32_t off = rd32(e), len = rd32(e + 4);
        if ((off & FARM_TENSOR_CONST) != 0u) {
            const uint32_t b = off & ~FARM_TENSOR_CONST;
            if (b < c_lo || b > c_hi || len > c_hi - b) {
                return FARM_ERR_CORRUPT;
            }
        } else if (off > arena_need || len > arena_need - off) {
            return FARM_ERR_CORRUPT;
        }
    }
    farm_model_info_t *info = &m->info;
    info->format_version = rd32(blob + FARM_H_VERSION);
    info->blob_bytes = rd32(blob + FARM_H_BLOB_BYTES);
    info->arena_bytes = arena_need;
    info->op_count = rd32(blob + FARM_H_OP_COUNT);
    const uint8_t *in_e = m->tensors + rd32(blob + FARM_H_INPUT_TENSOR) * FARM_TENSOR_ENTRY_BYTES;
    const uint8_t *out_e = m->tensors + rd32(blob + FARM_H_OUTPUT_TENSOR) * FARM_TENSOR_ENTRY_BYTES;
    info->input_bytes = rd32(in_e + 4);
    info->output_bytes = rd32(out_e + 4);
    info->input_scale = rdf32(blob + FARM_H_INPUT_SCALE);
    info->input_zero_point = (int32_t)rd32(blob + FARM_H_INPUT_ZP);
    info->output_scale = rdf32(blob + FARM_H_OUTPUT_SCALE);
    info->output_zero_point = (int32_t)rd32(blob + FARM_H_OUTPUT_ZP);
    memcpy(info->content_hash, blob + FARM_H_CONTENT_HASH, sizeof info->content_hash);
    memcpy(info->model_id, blob + FARM_H_MODEL_ID, sizeof info->model_id);
    info->model_id[sizeof info->model_id - 1] = '\0';
    if (((rd32(in_e) | rd32(out_e)) & FARM_TENSOR_CONST) != 0u) {
        return FARM_ERR_CORRUPT;
    }
    m->input = (int8_t *)(arena + rd32(in_e));
    m->output = (int8_t *)(arena + rd32(out_e));
    /* Check every operator record now, so invoke never meets a bad one. */
    const uint8_t *rec = m->ops;
    const uint8_t *end = blob + rd32(blob + FARM_H_CONST_OFFSET);
    for (uint32_t i = 0; i < info->op_count; i++) {
        rec = walk_op(m, rec, end, NULL, &st);
        if (rec == NULL) {
            return st;
        }
    }
    *out = m;
    return FARM_OK;
}

const farm_model_info_t *farm_model_info(const farm_model_t *model) { return &model->info; }

int8_t *farm_model_input(farm_model_t *model) { return model->input; }

const int8_t *farm_model_output(const farm_model_t *model) { return model->output; }

farm_status_t farm_model_invoke(farm_model_t *model)
{
    const uint8_t *rec = model->ops;
    const uint8_t *end = model->blob + rd32(model->blob + FARM_H_CONST_OFFSET);
    farm_status_t st = FARM_OK;
    for (uint32_t i = 0; i < model->info.op_count; i++) {
        farm_op_t op;
        const uint8_t *next = walk_op(model, rec, end, &op, &st);
        if (next == NULL) {
            return st;
        }
        k_table[rd32(rec)].fn(&op);
        rec = next;
    }
    return FARM_OK;
}

const char *farm_runtime_kernel_path(void) { return FARM_KERNEL_PATH; }
