/*
 * clock.c - NUCLEO-G431RB clock tree: HSI16 -> PLL (M=4, N=85, R=2) -> SYSCLK 170 MHz in
 * range 1 boost mode (RM0440 6.1.5 "Dynamic voltage scaling management", R1MODE=0),
 * 4 flash wait states (RM0440 5.3.3 Table 29, boost), AHB stepped through /2 during the switch
 * (RM0440 7.2.7 note for > 80 MHz).
 */
#include "board.h"
#include "cortex_m.h"

#define RCC 0x40021000u
#define RCC_CR REG32(RCC + 0x00u)        /* RM0440 7.4.1 RCC_CR */
#define RCC_CFGR REG32(RCC + 0x08u)      /* RM0440 7.4.3 RCC_CFGR */
#define RCC_PLLCFGR REG32(RCC + 0x0Cu)   /* RM0440 7.4.4 RCC_PLLCFGR */
#define RCC_AHB2ENR REG32(RCC + 0x4Cu)   /* RM0440 7.4.16 RCC_AHB2ENR */
#define RCC_APB1ENR1 REG32(RCC + 0x58u)  /* RM0440 7.4.18 RCC_APB1ENR1 */
#define RCC_APB1ENR2 REG32(RCC + 0x5Cu)  /* RM0440 7.4.19 RCC_APB1ENR2 */
#define PWR_CR5 REG32(0x40007080u)       /* RM0440 6.4.18 PWR_CR5 */
#define FLASH_ACR REG32(0x40022000u)     /* RM0440 5.7.1 FLASH_ACR */

void board_clock_init(void)
{
    RCC_APB1ENR1 |= 1u << 28;                      /* PWREN */
    (void)RCC_APB1ENR1;
    PWR_CR5 &= ~(1u << 8);                         /* R1MODE=0: range 1 boost */
    RCC_CR |= 1u << 8;                             /* HSION */
    while ((RCC_CR & (1u << 10)) == 0u) {          /* HSIRDY */
    }
    FLASH_ACR = (FLASH_ACR & ~0xFu) | 4u | (1u << 8) | (1u << 9) | (1u << 10);
    while ((FLASH_ACR & 0xFu) != 4u) {
    }
    RCC_CR &= ~(1u << 24);
    while (RCC_CR & (1u << 25)) {
    }
    /* PLLSRC=HSI16 (10), PLLM=4 (field 3, bits 7:4), PLLN=85 (bits 14:8), PLLR=/2, PLLREN. */
    RCC_PLLCFGR = 2u | (3u << 4) | (85u << 8) | (0u << 25) | (1u << 24);
    RCC_CR |= 1u << 24;
    while ((RCC_CR & (1u << 25)) == 0u) {
    }
    RCC_CFGR = (RCC_CFGR & ~0xF0u) | (8u << 4);    /* HPRE=/2 for the switch */
    RCC_CFGR = (RCC_CFGR & ~3u) | 3u;              /* SW=PLL */
    while (((RCC_CFGR >> 2) & 3u) != 3u) {
    }
    cm_delay_cycles(100u);                         /* >= 1 us at 85 MHz */
    RCC_CFGR &= ~((0xFu << 4) | (7u << 8) | (7u << 11)); /* HPRE, PPRE1, PPRE2 = /1 */
    RCC_AHB2ENR |= 1u << 0;                        /* GPIOAEN */
    RCC_APB1ENR1 |= 1u << 0;                       /* TIM2EN */
    RCC_APB1ENR2 |= 1u << 0;                       /* LPUART1EN (kernel clock PCLK1) */
    (void)RCC_APB1ENR2;
}
