/*
 * startup.c - reset handler and vector table shared by every board (own code, no CMSIS).
 * Exception numbers and the vector table layout: ARMv7-M ARM (DDI 0403E) B1.5.2-B1.5.3.
 */
#include <stdint.h>
#include <string.h>

#include "cortex_m.h"

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_top;
extern const uint32_t __vectors_start;
int main(void);

void Reset_Handler(void);
void Default_Handler(void);

static void spin_forever(void)
{
    for (;;) {
    }
}

void Default_Handler(void) { spin_forever(); }

/* Weak so that a BSP overrides only what it uses. */
void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));
void HardFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void MemManage_Handler(void) __attribute__((weak, alias("Default_Handler")));
void BusFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));
void TIM2_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));

typedef void (*vector_t)(void);

#define FARM_IRQ_COUNT 128
#ifndef FARM_TIM2_IRQN
#define FARM_TIM2_IRQN 28   /* TIM2 global interrupt position on every STM32 family used here */
#endif

/* 16 system exceptions + FARM_IRQ_COUNT external interrupts; VTOR needs 1024-byte alignment
 * for a 576-byte table (DDI 0403E B3.2.5). */
__attribute__((section(".vectors"), used, aligned(1024)))
const vector_t farm_vectors[16 + FARM_IRQ_COUNT] = {
    [0] = (vector_t)(uintptr_t)&__stack_top,
    [1] = Reset_Handler,
    [2] = NMI_Handler,
    [3] = HardFault_Handler,
    [4] = MemManage_Handler,
    [5] = BusFault_Handler,
    [6] = UsageFault_Handler,
    [7] = Default_Handler,
    [8] = Default_Handler,
    [9] = Default_Handler,
    [10] = Default_Handler,
    [11] = SVC_Handler,
    [12] = Default_Handler,
    [13] = Default_Handler,
    [14] = PendSV_Handler,
    [15] = SysTick_Handler,
    [16 ... 16 + FARM_TIM2_IRQN - 1] = Default_Handler,
    [16 + FARM_TIM2_IRQN] = TIM2_IRQHandler,
    [16 + FARM_TIM2_IRQN + 1 ... 16 + FARM_IRQ_COUNT - 1] = Default_Handler,
};

void Reset_Handler(void)
{
    /* The table may not sit at address 0 (twins load at 0x10000000, STM32 at 0x08000000). */
    SCB_VTOR = (uint32_t)(uintptr_t)farm_vectors;
#if defined(__ARM_FP)
    /* Full access to CP10/CP11 before any float instruction, DDI 0403E B3.2.20. */
    SCB_CPACR |= (0xFu << 20);
    cm_dsb();
    cm_isb();
#endif
    uint32_t *src = &__data_load;
    for (uint32_t *dst = &__data_start; dst < &__data_end;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = &__bss_start; dst < &__bss_end;) {
        *dst++ = 0u;
    }
    (void)main();
    spin_forever();
}
