/*
 * clock.c - NUCLEO-F767ZI clock tree: HSI 16 MHz -> PLL (M=8, N=216, P=2, Q=9) -> SYSCLK
 * 216 MHz with over-drive (RM0410 4.1.4 "Entering Over-drive mode"), voltage scale 1,
 * 7 flash wait states + ART (RM0410 3.3.2 Table 7), AHB /1, APB1 /4 (54 MHz), APB2 /2.
 * The instruction cache is enabled; the data cache stays off (no set/way invalidate here).
 */
#include "board.h"
#include "cortex_m.h"

#define RCC 0x40023800u
#define RCC_CR REG32(RCC + 0x00u)        /* RM0410 5.3.1 RCC_CR */
#define RCC_PLLCFGR REG32(RCC + 0x04u)   /* RM0410 5.3.2 RCC_PLLCFGR */
#define RCC_CFGR REG32(RCC + 0x08u)      /* RM0410 5.3.3 RCC_CFGR */
#define RCC_AHB1ENR REG32(RCC + 0x30u)   /* RM0410 5.3.10 RCC_AHB1ENR */
#define RCC_APB1ENR REG32(RCC + 0x40u)   /* RM0410 5.3.13 RCC_APB1ENR */
#define PWR_CR1 REG32(0x40007000u)       /* RM0410 4.4.1 PWR_CR1 */
#define PWR_CSR1 REG32(0x40007004u)      /* RM0410 4.4.2 PWR_CSR1 */
#define FLASH_ACR REG32(0x40023C00u)     /* RM0410 3.7.1 FLASH_ACR */

void board_clock_init(void)
{
    RCC_APB1ENR |= 1u << 28;                       /* PWREN */
    (void)RCC_APB1ENR;
    PWR_CR1 |= 3u << 14;                           /* VOS = scale 1 */
    /* PLL from HSI (PLLSRC=0): /M=8 -> 2 MHz, xN=216 -> 432 MHz, /P=2 (field 0), /Q=9. */
    RCC_PLLCFGR = 8u | (216u << 6) | (0u << 16) | (0u << 22) | (9u << 24);
    RCC_CR |= 1u << 24;                            /* PLLON */
    PWR_CR1 |= 1u << 16;                           /* ODEN */
    while ((PWR_CSR1 & (1u << 16)) == 0u) {        /* ODRDY */
    }
    PWR_CR1 |= 1u << 17;                           /* ODSWEN */
    while ((PWR_CSR1 & (1u << 17)) == 0u) {        /* ODSWRDY */
    }
    while ((RCC_CR & (1u << 25)) == 0u) {          /* PLLRDY */
    }
    FLASH_ACR = 7u | (1u << 8) | (1u << 9);        /* LATENCY=7, PRFTEN, ARTEN */
    while ((FLASH_ACR & 0xFu) != 7u) {
    }
    /* HPRE=/1, PPRE1=/4 (101 at bits 12:10), PPRE2=/2 (100 at bits 15:13), SW=PLL (10). */
    RCC_CFGR = (RCC_CFGR & ~0xFCF3u) | (5u << 10) | (4u << 13) | 2u;
    while (((RCC_CFGR >> 2) & 3u) != 2u) {         /* SWS */
    }
    RCC_AHB1ENR |= (1u << 3) | (1u << 5);          /* GPIODEN, GPIOFEN */
    RCC_APB1ENR |= (1u << 0) | (1u << 18);         /* TIM2EN, USART3EN */
    (void)RCC_APB1ENR;
    /* I-cache on: invalidate then enable (Cortex-M7 TRM DDI 0489 4.3.3, DDI 0403E B2.2.7). */
    cm_dsb();
    cm_isb();
    SCB_ICIALLU = 0u;
    cm_dsb();
    cm_isb();
    SCB_CCR |= SCB_CCR_IC;
    cm_dsb();
    cm_isb();
}
