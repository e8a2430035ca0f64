/*
 * stm32u5_clock.c - clock tree of the STM32U5 Nucleo boards (U575, U5A5: same RCC/PWR/FLASH,
 * RM0456): MSIS 4 MHz (reset default) -> PLL1 (M=1, N=80, R=2)
 * -> SYSCLK 160 MHz in voltage range 1 with the EPOD booster (RM0456 10.5.4 "Dynamic voltage
 * scaling"), 4 flash wait states (RM0456 7.3.3 Table 54, range 1), AHB stepped through /2
 * during the switch. Regulator stays the LDO (SMPS left off).
 */
#include "board.h"
#include "cortex_m.h"

#define RCC 0x46020C00u
#define RCC_CR REG32(RCC + 0x00u)        /* RM0456 11.8.1 RCC_CR */
#define RCC_CFGR1 REG32(RCC + 0x1Cu)     /* RM0456 11.8.6 RCC_CFGR1 */
#define RCC_CFGR2 REG32(RCC + 0x20u)     /* RM0456 11.8.7 RCC_CFGR2 */
#define RCC_PLL1CFGR REG32(RCC + 0x28u)  /* RM0456 11.8.9 RCC_PLL1CFGR */
#define RCC_PLL1DIVR REG32(RCC + 0x34u)  /* RM0456 11.8.12 RCC_PLL1DIVR */
#define RCC_AHB2ENR1 REG32(RCC + 0x8Cu)  /* RM0456 11.8.38 RCC_AHB2ENR1 */
#define RCC_AHB3ENR REG32(RCC + 0x94u)   /* RM0456 11.8.40 RCC_AHB3ENR */
#define RCC_APB1ENR1 REG32(RCC + 0x9Cu)  /* RM0456 11.8.41 RCC_APB1ENR1 */
#define RCC_APB2ENR REG32(RCC + 0xA4u)   /* RM0456 11.8.43 RCC_APB2ENR */
#define PWR_VOSR REG32(0x4602080Cu)      /* RM0456 10.10.4 PWR_VOSR */
#define FLASH_ACR REG32(0x40022000u)     /* RM0456 7.9.1 FLASH_ACR */

void board_clock_init(void)
{
    RCC_AHB3ENR |= 1u << 2;                        /* PWREN */
    (void)RCC_AHB3ENR;
    /* PLL1 source MSIS (01), input range 4-8 MHz (PLL1RGE=00), M=1 (field 0), MBOOST=/1:
     * the EPOD booster takes its clock from here, so set it before BOOSTEN. */
    RCC_PLL1CFGR = 1u | (0u << 2) | (0u << 8) | (0u << 12);
    PWR_VOSR = (PWR_VOSR & ~(3u << 16)) | (3u << 16) | (1u << 18); /* VOS=range 1, BOOSTEN */
    while ((PWR_VOSR & ((1u << 15) | (1u << 14))) != ((1u << 15) | (1u << 14))) {
    }                                              /* VOSRDY, BOOSTRDY */
    FLASH_ACR = (FLASH_ACR & ~0xFu) | 4u | (1u << 8);
    while ((FLASH_ACR & 0xFu) != 4u) {
    }
    /* N=80 (field 79), P=/2, Q=/2, R=/2 (fields 1): 4 MHz x 80 = 320 MHz VCO, R -> 160 MHz. */
    RCC_PLL1DIVR = 79u | (1u << 9) | (1u << 16) | (1u << 24);
    RCC_PLL1CFGR |= 1u << 18;                      /* PLL1REN */
    RCC_CR |= 1u << 24;                            /* PLL1ON */
    while ((RCC_CR & (1u << 25)) == 0u) {          /* PLL1RDY */
    }
    RCC_CFGR2 = (RCC_CFGR2 & ~0xFu) | 8u;          /* HPRE=/2 for the switch */
    RCC_CFGR1 = (RCC_CFGR1 & ~3u) | 3u;            /* SW=PLL1 */
    while (((RCC_CFGR1 >> 2) & 3u) != 3u) {
    }
    cm_delay_cycles(100u);                         /* >= 1 us at 80 MHz */
    RCC_CFGR2 &= ~(0xFu | (7u << 4) | (7u << 8));  /* HPRE, PPRE1, PPRE2 = /1 */
    RCC_AHB2ENR1 |= (1u << 0) | (1u << 5);         /* GPIOAEN, GPIOFEN */
    RCC_APB1ENR1 |= 1u << 0;                       /* TIM2EN */
    RCC_APB2ENR |= 1u << 14;                       /* USART1EN */
    (void)RCC_APB2ENR;
}
