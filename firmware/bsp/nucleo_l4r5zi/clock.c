/*
 * clock.c - NUCLEO-L4R5ZI clock tree: MSI 4 MHz -> PLL (M=1, N=60, R=2) -> SYSCLK 120 MHz in
 * range 1 boost mode (RM0432 PWR "Dynamic voltage scaling": R1MODE=0 above 80 MHz), 5 flash
 * wait states (RM0432 FLASH "Read access latency" table, range 1 boost), AHB stepped through /2
 * while switching (RM0432 RCC "System clock switch" note for > 80 MHz).
 */
#include "board.h"
#include "cortex_m.h"

#define RCC 0x40021000u
#define RCC_CR REG32(RCC + 0x00u)        /* RM0432 6.4.1 RCC_CR */
#define RCC_CFGR REG32(RCC + 0x08u)      /* RM0432 6.4.3 RCC_CFGR */
#define RCC_PLLCFGR REG32(RCC + 0x0Cu)   /* RM0432 6.4.4 RCC_PLLCFGR */
#define RCC_AHB2ENR REG32(RCC + 0x4Cu)   /* RM0432 6.4.17 RCC_AHB2ENR */
#define RCC_APB1ENR1 REG32(RCC + 0x58u)  /* RM0432 6.4.19 RCC_APB1ENR1 */
#define RCC_APB1ENR2 REG32(RCC + 0x5Cu)  /* RM0432 6.4.20 RCC_APB1ENR2 */
#define PWR_CR2 REG32(0x40007004u)       /* RM0432 5.4.2 PWR_CR2 (IOSV bit 9) */
#define PWR_CR5 REG32(0x40007080u)       /* RM0432 5.4.21 PWR_CR5 (R1MODE bit 8) */
#define FLASH_ACR REG32(0x40022000u)     /* RM0432 3.7.1 FLASH_ACR */

void board_clock_init(void)
{
    RCC_APB1ENR1 |= 1u << 28;                      /* PWREN */
    (void)RCC_APB1ENR1;
    PWR_CR5 &= ~(1u << 8);                         /* range 1 boost (reset: range 1 normal) */
    FLASH_ACR = (FLASH_ACR & ~0xFu) | 5u | (1u << 8) | (1u << 9) | (1u << 10);
    while ((FLASH_ACR & 0xFu) != 5u) {
    }
    RCC_CR &= ~(1u << 24);
    while (RCC_CR & (1u << 25)) {
    }
    /* PLLSRC=MSI(01), PLLM=1 (field 0, bits 7:4), PLLN=60 (bits 14:8), PLLR=/2, PLLREN. */
    RCC_PLLCFGR = 1u | (0u << 4) | (60u << 8) | (0u << 25) | (1u << 24);
    RCC_CR |= 1u << 24;
    while ((RCC_CR & (1u << 25)) == 0u) {
    }
    RCC_CFGR = (RCC_CFGR & ~0xF0u) | (8u << 4);    /* HPRE=/2 for the switch */
    RCC_CFGR = (RCC_CFGR & ~3u) | 3u;              /* SW=PLL */
    while (((RCC_CFGR >> 2) & 3u) != 3u) {
    }
    cm_delay_cycles(120u);                         /* >= 1 us at the intermediate clock */
    RCC_CFGR &= ~(0xFu << 4);                      /* HPRE=/1: 120 MHz */
    RCC_CFGR &= ~((7u << 8) | (7u << 11));         /* PPRE1, PPRE2 = /1 */
    PWR_CR2 |= 1u << 9;                            /* IOSV: VDDIO2 valid for port G */
    RCC_AHB2ENR |= (1u << 5) | (1u << 6);          /* GPIOFEN, GPIOGEN */
    RCC_APB1ENR1 |= 1u << 0;                       /* TIM2EN */
    RCC_APB1ENR2 |= 1u << 0;                       /* LPUART1EN (kernel clock PCLK1 at reset) */
    (void)RCC_APB1ENR2;
}
