/*
 * ram_vectors.c - RAM vector table for the twins' UART receive interrupt (wakes the idle WFI).
 * VTOR alignment: the next power of two above the table size, at least 128 bytes
 * (DDI 0403E B3.2.5); NVIC_ISERn: DDI 0403E B3.4.4.
 */
#include "ram_vectors.h"

#include "cortex_m.h"

#define FARM_RAM_VECTOR_IRQS 64u

typedef void (*vector_t)(void);
extern const vector_t farm_vectors[]; /* startup.c, 16 + 128 entries */

static vector_t g_ram_vectors[16u + FARM_RAM_VECTOR_IRQS] __attribute__((aligned(512)));
_Static_assert(sizeof g_ram_vectors <= 512u, "RAM vector table outgrows its alignment");

void farm_irq_install(uint32_t irqn, void (*handler)(void))
{
    if (irqn >= FARM_RAM_VECTOR_IRQS) {
        return;
    }
    for (uint32_t i = 0; i < 16u + FARM_RAM_VECTOR_IRQS; ++i) {
        g_ram_vectors[i] = farm_vectors[i];
    }
    g_ram_vectors[16u + irqn] = handler;
    cm_dsb();
    SCB_VTOR = (uint32_t)(uintptr_t)g_ram_vectors;
    cm_dsb();
    cm_isb();
    NVIC_ISER(irqn / 32u) = 1u << (irqn % 32u);
}
