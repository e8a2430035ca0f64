/*
 * farm_kernels.h - one resolved operator as the kernels see it, and the kernel entry points.
 */
#ifndef FARM_KERNELS_H
#define FARM_KERNELS_H

#include <stdint.h>

#include "farm_blob.h"
#include "farm_fixedpoint.h"
#include "farm_simd.h"

typedef struct {
    int8_t *t[FARM_MAX_OP_TENSORS];      /* arena tensors: inputs first, output last */
    const void *c[FARM_MAX_OP_CONSTS];   /* constant arrays in the blob (16-byte aligned) */
    const int32_t *p;                    /* int32 parameters, layout per opcode (BLOB.md) */
    uint32_t n_t;
    uint32_t n_c;
    uint32_t n_p;
    int single_rounding;
} farm_op_t;

/* Requantization of one output channel set (per-channel records, farm_fixedpoint.h). */
typedef struct {
    const int32_t *bias;  /* bias with the input offset folded in */
    const int32_t *rq;    /* FARM_RQ_WORDS int32 per channel */
    int32_t out_off, act_min, act_max;
    int mode;             /* FARM_RQ_FAST, _DOUBLE or _SINGLE */
} farm_rq_t;

/* The requantization mode of an operator from its fast flag and the blob's rounding flag. */
static inline int farm_rq_mode(const farm_op_t *op, int32_t fast_flag)
{
    return op->single_rounding ? FARM_RQ_SINGLE : fast_flag ? FARM_RQ_FAST : FARM_RQ_DOUBLE;
}

/* out[r][c] = requant(bias[c] + sum_k in[r][k] * w[c][k]) for r < rows, c < out_c. */
void farm_matmul(const int8_t *in, int32_t rows, int32_t depth, const int8_t *w, int32_t out_c,
                 const farm_rq_t *q, int8_t *out);
/* farm_matmul without the packed tiles (farm_matmul_row_tiles): for callers with few rows,
 * whose stack then never holds a tile (the stack depth check follows the call graph). */
void farm_matmul_few(const int8_t *in, int32_t rows, int32_t depth, const int8_t *w,
                     int32_t out_c, const farm_rq_t *q, int8_t *out);

/* The first rows of farm_matmul when the kernels of k_conv_matmul.c handle them (fast
 * requantization on a DSP core): in threes (int8 outputs, depth a multiple of 4), then in
 * pairs; returns how many rows it did (0, or all but the odd last one). */
int32_t farm_matmul_row_pairs(const int8_t *in, int32_t rows, int32_t depth, const int8_t *w,
                              int32_t out_c, const farm_rq_t *q, int8_t *out);
/* The first rows of farm_matmul in threes over packed tiles of channel pairs, where enough rows
 * come to gain (k_conv_matmul.c's tiled_applies; DSP cores with a 16 KB stack): the rows done. */
int32_t farm_matmul_row_tiles(const int8_t *in, int32_t rows, int32_t depth, const int8_t *w,
                              int32_t out_c, const farm_rq_t *q, int8_t *out);

/* Two output pixels of a convolution whose windows lie inside the input, read straight from
 * it (k_conv_matmul.c, DSP cores, fast requantization, in_c a multiple of 4, dilation 1 in x). */
typedef struct {
    const farm_rq_t *q;
    const int8_t *w;  /* OHWI weights */
    int32_t out_c, k_h;
    int32_t seg;      /* bytes of one window row: k_w * in_c */
    int32_t x_row;    /* input bytes between window rows: dil_h * in_w * in_c */
    int32_t xoff;     /* input bytes between the two pixels' windows: stride_w * in_c */
    int32_t out_stride; /* output bytes between the pixels: the layer's out_c (out_c may be
                         * a slice of its channels) */
} farm_conv_pair_t;

/* out at o0 (pixel 0) and o0 + out_c (pixel 1); x0 is pixel 0's window origin. */
void farm_conv_pair(const farm_conv_pair_t *g, const int8_t *x0, int8_t *o0);

/* Deepest row the 3-row kernel takes: its expanded rows, 6 bytes per byte of depth, sit on the
 * stack (1.5 KB at 256, 3.4 KB at 576), so the firmware's stack (the harness passes its size)
 * sets it; under 6 KB (the G431's 3 KB) there is no 3-row kernel. */
#ifndef FARM_ROW_TRIPLE_MAX_DEPTH
#if defined(FARM_CORE_M7)
/* Not on the dual-issue Cortex-M7: by the twins' M7 cycle model the 2x2 block's SXTB16s issue
 * in pairs where the 3-row block's runs of SMLAD cannot (ic_resnet8_16 on the F767 twin took
 * 28 % longer with it). */
#define FARM_ROW_TRIPLE_MAX_DEPTH 0
#elif defined(FARM_STACK_BYTES) && FARM_STACK_BYTES >= 16384u
#define FARM_ROW_TRIPLE_MAX_DEPTH 576 /* a 3x3 window of 64 channels: 3.4 KB */
#elif defined(FARM_STACK_BYTES) && FARM_STACK_BYTES >= 6144u
#define FARM_ROW_TRIPLE_MAX_DEPTH 256
#else
#define FARM_ROW_TRIPLE_MAX_DEPTH 0
#endif
#endif

/* farm_matmul with enough rows to gain (k_conv_matmul.c's tiled_applies) takes the 3-row kernel
 * a tile of channel pairs at a time, the tile's weights sign-extended once into this many
 * words of stack (9.25 KB: a 16 KB stack; 32 pairs of depth 64 with their biases and records,
 * all of a DS-CNN's pointwise layer); callers that can hand it many rows at once
 * (k_conv_first.c) do. */
#if FARM_ROW_TRIPLE_MAX_DEPTH > 0 && defined(FARM_STACK_BYTES) && FARM_STACK_BYTES >= 16384u
#define FARM_TRIPLE_WX_WORDS 2368
#else
#define FARM_TRIPLE_WX_WORDS 0
#endif

/* Cycles a channel pair's filters read from flash stall per 4 bytes of depth, what
 * farm_conv_tiled weighs when its alternative reads them from the blob: one missed 64-bit word
 * per 8 bytes of each channel, 5 wait states (the L4R5 at 120 MHz, behind a 256 B data cache
 * the filters overflow). */
#define FARM_FLASH_STALL_PER_BLOCK 5

/* Packed tiles of channel pairs for the 3-row kernel (k_conv_matmul.c's row_triple_x_asm):
 * DSP cores with the assembly kernels (not at -Os) and a stack for FARM_TRIPLE_WX_WORDS. */
#if FARM_USE_DSP && FARM_ASM_KERNELS && !defined(__OPTIMIZE_SIZE__) && FARM_TRIPLE_WX_WORDS > 0
#define FARM_TILES 1
/* Words of a channel pair in a tile: its two biases, its weights sign-extended ({c even,
 * c + 1 even, c odd, c + 1 odd} per 4 bytes of depth), its two records with the output offset
 * folded in (farm_rq_fold_offset). */
#define FARM_TILE_PAIR_WORDS(depth) (2 + (depth) + 2 * FARM_RQ_WORDS)
/* Channel pairs per tile at this depth (0: deeper than a tile). */
int32_t farm_tile_pairs(int32_t depth);
/* Channel pairs [p0, p0 + n) of the OHWI weights w (rows w_row bytes apart, depth bytes read
 * from each: a multiple of 4, past w_row only where the inputs there are zero) and of q packed
 * into wx. q's records must take the output offset (farm_rq_offset_folds). */
void farm_tile_pack(int32_t *wx, const int8_t *w, int32_t w_row, int32_t depth, int32_t p0,
                    int32_t n, const farm_rq_t *q);
/* Three expanded rows x (farm_expand_block per 4 bytes of depth) times the n pairs of the tile
 * wx, clamped to int8: row r's output of pair j at o + r * stride + 2 j, for the first `rows`
 * rows (1 to 3; the others' are dropped). */
void farm_tile_rows(const int32_t *x, int32_t depth, const int32_t *wx, int32_t n, int8_t *o,
                    int32_t stride, int32_t rows);
#else
#define FARM_TILES 0
#endif

#if FARM_USE_DSP
/* One block of three expanded rows (4 bytes of depth of rows 0, 1, 2: words v0 v1 v2), as the
 * 3-row kernels read them: {rows 0, 1, 2 of bytes 0 and 2}, {the same of bytes 1 and 3}. */
static inline __attribute__((always_inline)) void farm_expand_block(int32_t *e, int32_t v0,
                                                                    int32_t v1, int32_t v2)
{
    e[0] = FARM_SXTB16(v0);
    e[1] = FARM_SXTB16(v1);
    e[2] = FARM_SXTB16(v2);
    e[3] = FARM_SXTB16_ROR8(v0);
    e[4] = FARM_SXTB16_ROR8(v1);
    e[5] = FARM_SXTB16_ROR8(v2);
}

/* Three windows expanded into e, 4 bytes at a time (farm_expand_block): each window n_rows runs
 * of seg bytes (a multiple of 4), row_step apart, from x0, x0 + xoff and x0 + 2 xoff. Three
 * rows of a matrix are one run each (n_rows 1, xoff their length). */
static inline __attribute__((always_inline)) void farm_expand_windows(int32_t *e, const int8_t *x0,
                                                                      int32_t n_rows, int32_t seg,
                                                                      int32_t row_step,
                                                                      int32_t xoff)
{
    for (int32_t r = 0; r < n_rows; r++, x0 += row_step) {
        for (const int8_t *p = x0, *end = x0 + seg; p < end; p += 4, e += 6) {
            farm_expand_block(e, farm_ld32(p), farm_ld32(p + xoff), farm_ld32(p + 2 * xoff));
        }
    }
}
#endif

/* Whether farm_matmul takes rows three at a time and farm_conv_triple runs: int8 outputs with
 * the fast requantization on a DSP core, depth a multiple of 4 that fits the kernel's stack
 * buffer, at least two channels. */
int farm_takes_triples(const farm_rq_t *q, int32_t depth, int32_t out_c);

/* As farm_conv_pair for three pixels (outputs at o0, o0 + out_c, o0 + 2 out_c), where
 * farm_takes_triples(g->q, k_h * seg, out_c). */
void farm_conv_triple(const farm_conv_pair_t *g, const int8_t *x0, int8_t *o0);

/* FULLY_CONNECTED weight layouts (parameter 8; absent: plain). */
enum { FARM_FC_WEIGHTS_PLAIN = 0, FARM_FC_WEIGHTS_INTERLEAVED4 = 1 };

/* As farm_matmul, with the weights in the 4-channel interleaved layout (k_fc_row.c, BLOB.md). */
void farm_fc_interleaved(const int8_t *in, int32_t rows, int32_t depth, const int8_t *w,
                         int32_t out_c, const farm_rq_t *q, int8_t *out);

/* 3x3 depthwise from int16 rows (k_dw_planes.c): DSP cores whose stack takes its 1.5 KB
 * ring (not the G431's 3 KB stack). Not on the Cortex-M7, whose twin was not measured with it. */
#if FARM_USE_DSP && !defined(FARM_CORE_M7) && (!defined(FARM_STACK_BYTES) || FARM_STACK_BYTES >= 6144u)
#define FARM_DW_PLANES 1
/* Whether farm_dw_planes takes the operator (DEPTHWISE_CONV_2D parameters, BLOB.md). */
int farm_dw_planes_apply(const farm_op_t *op);
void farm_dw_planes(const farm_op_t *op);
#else
#define FARM_DW_PLANES 0
#endif

void farm_k_conv(const farm_op_t *op);
/* CONV_2D with 1-3 input channels (k_conv_first.c): 1 if done, 0 if the generic path must. */
int farm_conv_first(const farm_op_t *op);
/* CONV_2D over packed tiles (k_conv_tiled.c): 1 if done, 0 if the generic path must. The
 * generic path's filters cost `stall` cycles per 4 bytes read (0 from a copy on the stack). */
int farm_conv_tiled(const farm_op_t *op, int32_t stall);
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
