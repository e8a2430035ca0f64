/*
 * k_pool.c - AVERAGE_POOL_2D and MAX_POOL_2D (TFLite reference semantics: padded taps are
 * skipped, the average divides by the number of in-bounds taps, rounding half away from zero).
 * Params: n, in_h, in_w, c, out_h, out_w, f_h, f_w, stride_h, stride_w, pad_h, pad_w, act_min, act_max.
 */
#include "farm_fixedpoint.h"
#include "farm_kernels.h"
#include "farm_simd.h"

#if FARM_USE_DSP
/* acc's int16 halves plus the sign-extended bytes 0 and 2 (odd: 1 and 3) of v, one SXTAB16. */
static inline int32_t sxtab16(int32_t acc, int32_t v, const int odd)
{
#if FARM_ASM_KERNELS
    int32_t r;
    if (odd) {
        __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(v));
    } else {
        __asm__("sxtab16 %0, %1, %2" : "=r"(r) : "r"(acc), "r"(v));
    }
    return r;
#else
    return FARM_SADD16(acc, odd ? FARM_SXTB16_ROR8(v) : FARM_SXTB16(v));
#endif
}
#endif

/* Sums of four channels (at in, ch bytes from pixel to pixel) over a window of rows x cols
 * pixels. On DSP cores, where the window has at most 256 taps (int16 halves cannot overflow:
 * 256 x -128 is -32768), bytes 0 and 2 of each word go into one accumulator, 1 and 3 (rotated)
 * into another. */
static inline void sum4(const int8_t *in, int32_t rows, int32_t cols, int32_t row_step,
                        int32_t ch, int32_t a[4])
{
#if FARM_USE_DSP
    if (rows * cols <= 256) {
        int32_t e = 0, o = 0;
        for (int32_t fy = 0; fy < rows; fy++, in += row_step) {
            const int8_t *px = in;
            for (int32_t fx = 0; fx < cols; fx++, px += ch) {
                const int32_t v = farm_ld32(px);
                e = sxtab16(e, v, 0);
                o = sxtab16(o, v, 1);
            }
        }
        a[0] = (int16_t)(uint16_t)((uint32_t)e & 0xFFFFu);
        a[1] = (int16_t)(uint16_t)((uint32_t)o & 0xFFFFu);
        a[2] = (int16_t)(uint16_t)((uint32_t)e >> 16);
        a[3] = (int16_t)(uint16_t)((uint32_t)o >> 16);
        return;
    }
#endif
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int32_t fy = 0; fy < rows; fy++, in += row_step) {
        const int8_t *px = in;
        for (int32_t fx = 0; fx < cols; fx++, px += ch) {
            a0 += px[0];
            a1 += px[1];
            a2 += px[2];
            a3 += px[3];
        }
    }
    a[0] = a0;
    a[1] = a1;
    a[2] = a2;
    a[3] = a3;
}

/* TFLite's average: the sum divided by the tap count, rounding half away from zero. */
static inline int32_t round_div(int32_t sum, int32_t count)
{
    return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

static void pool(const farm_op_t *op, int is_max)
{
    const int32_t *p = op->p;
    const int32_t n = p[0], in_h = p[1], in_w = p[2], ch = p[3], out_h = p[4], out_w = p[5];
    const int32_t f_h = p[6], f_w = p[7], s_h = p[8], s_w = p[9], pad_h = p[10], pad_w = p[11];
    const int32_t act_min = p[12], act_max = p[13];
    const int8_t *in = op->t[0];
    int8_t *out = op->t[op->n_t - 1];
    for (int32_t b = 0; b < n; b++) {
        for (int32_t oy = 0; oy < out_h; oy++) {
            const int32_t y0 = oy * s_h - pad_h;
            const int32_t fy0 = y0 < 0 ? -y0 : 0;
            const int32_t fy1 = f_h < in_h - y0 ? f_h : in_h - y0;
            for (int32_t ox = 0; ox < out_w; ox++) {
                const int32_t x0 = ox * s_w - pad_w;
                const int32_t fx0 = x0 < 0 ? -x0 : 0;
                const int32_t fx1 = f_w < in_w - x0 ? f_w : in_w - x0;
                int8_t *o = out + ((b * out_h + oy) * out_w + ox) * ch;
                int32_t c = 0;
                if (!is_max) {
                    /* Four channels per pass over the window: the loop overhead is shared
                     * (DS-CNN's global pool sums 125 pixels of 64 channels). */
                    const int32_t count = (fy1 - fy0) * (fx1 - fx0);
                    for (; c + 3 < ch && count > 0; c += 4) {
                        int32_t a[4];
                        sum4(in + ((b * in_h + y0 + fy0) * in_w + x0 + fx0) * ch + c, fy1 - fy0,
                             fx1 - fx0, in_w * ch, ch, a);
                        for (int32_t k = 0; k < 4; k++) {
                            o[c + k] = farm_clamp8(round_div(a[k], count), act_min, act_max);
                        }
                    }
                }
                for (; c < ch; c++) {
                    int32_t acc = is_max ? -128 : 0;
                    int32_t count = 0;
                    for (int32_t fy = fy0; fy < fy1; fy++) {
                        const int8_t *row = in + ((b * in_h + y0 + fy) * in_w) * ch + c;
                        for (int32_t fx = fx0; fx < fx1; fx++) {
                            const int32_t v = row[(x0 + fx) * ch];
                            if (is_max) {
                                acc = v > acc ? v : acc;
                            } else {
                                acc += v;
                            }
                            count++;
                        }
                    }
                    if (!is_max && count > 0) {
                        acc = round_div(acc, count);
                    }
                    o[c] = farm_clamp8(acc, act_min, act_max);
                }
            }
        }
    }
}

void farm_k_average_pool(const farm_op_t *op) { pool(op, 0); }

void farm_k_max_pool(const farm_op_t *op) { pool(op, 1); }
