/*
 * clock.c - NUCLEO-L452RE-P clock tree: MSI 4 MHz (reset default) -> PLL (M=1, N=40, R=2)
 * -> SYSCLK 80 MHz, AHB/APB1/APB2 /1; voltage range 1 (reset default), 4 flash wait states.
 */
#include "board.h"
#include "cortex_m.h"

#define RCC 0x40021000u
#define RCC_CR REG32(RCC + 0x00u)        /* RM0394 6.4.1 */
#define RCC_CFGR REG32(RCC + 0x08u)      /* RM0394 6.4.3 */
#define RCC_PLLCFGR REG32(RCC + 0x0Cu)   /* RM0394 6.4.4 */
#define RCC_AHB2ENR REG32(RCC + 0x4Cu)   /* RM0394 6.4.17 */
#define RCC_APB1ENR1 REG32(RCC + 0x58u)  /* RM0394 6.4.19 */
#define RCC_APB1ENR2 REG32(RCC + 0x5Cu)  /* RM0394 6.4.20 */
#define FLASH_ACR REG32(0x40022000u)     /* RM0394 3.7.1 */

void board_clock_init(void)
{
    /* Flash: 4 wait states for 64-80 MHz in range 1 (RM0394 3.3.3 "Read access latency"), prefetch and
     * caches on; set before raising the clock. */
    FLASH_ACR = (FLASH_ACR & ~7u) | 4u | (1u << 8) | (1u << 9) | (1u << 10);
    while ((FLASH_ACR & 7u) != 4u) {
    }
    /* PLL: source MSI (PLLSRC=01), PLLM=1 (field 0), PLLN=40, PLLR=/2 (field 0), PLLREN. */
    RCC_CR &= ~(1u << 24);                         /* PLLON off */
    while (RCC_CR & (1u << 25)) {                  /* PLLRDY */
    }
    RCC_PLLCFGR = 1u | (0u << 4) | (40u << 8) | (0u << 25) | (1u << 24);
    RCC_CR |= 1u << 24;
    while ((RCC_CR & (1u << 25)) == 0u) {
    }
    /* SYSCLK = PLL (SW=11), HPRE/PPRE1/PPRE2 = /1. */
    RCC_CFGR = (RCC_CFGR & ~0x3FF3u) | 3u;
    while (((RCC_CFGR >> 2) & 3u) != 3u) {         /* SWS */
    }
    RCC_AHB2ENR |= 1u << 0;                        /* GPIOAEN */
    RCC_APB1ENR1 |= 1u << 0;                       /* TIM2EN */
    RCC_APB1ENR2 |= 1u << 0;                       /* LPUART1EN (kernel clock PCLK1) */
    (void)RCC_APB1ENR2;                            /* read back: 2-cycle enable delay */
}
