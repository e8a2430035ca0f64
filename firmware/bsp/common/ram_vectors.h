/* ram_vectors.h - route one external interrupt to a handler through a RAM copy of the
 * vector table (the flash table of startup.c sends external interrupts to Default_Handler). */
#ifndef FARM_RAM_VECTORS_H
#define FARM_RAM_VECTORS_H
#include <stdint.h>
/* Copy the vector table to RAM, set entry 16 + irqn to `handler`, switch VTOR to the copy and
 * enable the interrupt in the NVIC. irqn < FARM_RAM_VECTOR_IRQS. Call once. */
void farm_irq_install(uint32_t irqn, void (*handler)(void));
#endif
