/*
 * cortex_m.h - the few Cortex-M core registers the BSPs use (no CMSIS: no vendor libraries).
 * Addresses and bit positions: ARMv7-M Architecture Reference Manual (ARM DDI 0403E), and the
 * identical ARMv8-M Mainline layout (ARM DDI 0553) for the Cortex-M33.
 */
#ifndef FARM_CORTEX_M_H
#define FARM_CORTEX_M_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* SysTick, DDI 0403E B3.3.2 (SYST_CSR, SYST_RVR, SYST_CVR). */
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2)   /* 1 = processor clock */
#define SYST_CSR_COUNTFLAG (1u << 16)

/* SCB, DDI 0403E B3.2.2: ICSR (B3.2.4), VTOR (B3.2.5), CCR (B3.2.8), CPACR (B3.2.20). */
#define SCB_ICSR REG32(0xE000ED04u)
#define SCB_ICSR_PENDSTSET (1u << 26)
#define SCB_VTOR REG32(0xE000ED08u)
#define SCB_CCR REG32(0xE000ED14u)
#define SCB_CPACR REG32(0xE000ED88u)

/* Cache maintenance (Cortex-M7 only), DDI 0403E B2.2.7: ICIALLU. */
#define SCB_ICIALLU REG32(0xE000EF50u)
#define SCB_CCR_IC (1u << 17)          /* Cortex-M7 TRM (DDI 0489) 4.3.3 CCR.IC */

/* Debug: DEMCR, DDI 0403E C1.6.5 (TRCENA bit 24); DWT_CTRL/DWT_CYCCNT, C1.8.7 and C1.8.8. */
#define DEMCR REG32(0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL REG32(0xE0001000u)
#define DWT_CYCCNT REG32(0xE0001004u)
#define DWT_CTRL_CYCCNTENA (1u << 0)
#define DWT_LAR REG32(0xE0001FB0u)     /* Cortex-M7 TRM (DDI 0489) C1.1: lock access register */

/* NVIC, DDI 0403E B3.4.3: NVIC_ISERn (B3.4.4), NVIC_ICERn (B3.4.5), NVIC_ICPRn (B3.4.7). */
#define NVIC_ISER(n) REG32(0xE000E100u + 4u * (n))
#define NVIC_ICER(n) REG32(0xE000E180u + 4u * (n))
#define NVIC_ICPR(n) REG32(0xE000E280u + 4u * (n))

static inline void cm_dsb(void) { __asm__ volatile("dsb 0xF" ::: "memory"); }
static inline void cm_isb(void) { __asm__ volatile("isb 0xF" ::: "memory"); }
static inline void cm_nop(void) { __asm__ volatile("nop"); }

/* Busy wait of about n core cycles (used only for >= 1 us pulses and PLL settling). */
static inline void cm_delay_cycles(uint32_t n)
{
    for (volatile uint32_t i = 0; i < n / 4u + 1u; ++i) {
    }
}

/* DWT cycle counter on: DDI 0403E C1.8.8 (CYCCNT), C1.6.5 (DEMCR.TRCENA). */
static inline void cm_cyccnt_enable(void)
{
    DEMCR |= DEMCR_TRCENA;
    DWT_LAR = 0xC5ACCE55u;  /* unlocks the DWT on the Cortex-M7; ignored elsewhere */
    DWT_CYCCNT = 0u;
    DWT_CTRL |= DWT_CTRL_CYCCNTENA;
}

#endif /* FARM_CORTEX_M_H */
