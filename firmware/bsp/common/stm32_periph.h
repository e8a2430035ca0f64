/*
 * stm32_periph.h - GPIO, USART/LPUART and general-purpose timer registers with the layout that
 * the STM32L4/L4+, F7, G4 and U5 families share (each board's bsp.c cites its own reference
 * manual for the same offsets: GPIOx_MODER 0x00, OTYPER 0x04, OSPEEDR 0x08, PUPDR 0x0C,
 * BSRR 0x18, AFRL 0x20, AFRH 0x24; USART_CR1 0x00, BRR 0x0C, ISR 0x1C, RDR 0x24, TDR 0x28;
 * TIMx_CR1 0x00, EGR 0x14, CNT 0x24, PSC 0x28, ARR 0x2C).
 */
#ifndef FARM_STM32_PERIPH_H
#define FARM_STM32_PERIPH_H

#include <stddef.h>
#include <stdint.h>

#include "cortex_m.h"

#define GPIO_MODER(b) REG32((b) + 0x00u)
#define GPIO_OSPEEDR(b) REG32((b) + 0x08u)
#define GPIO_BSRR(b) REG32((b) + 0x18u)
#define GPIO_AFR(b, pin) REG32((b) + 0x20u + 4u * ((pin) / 8u))

#define USART_CR1(b) REG32((b) + 0x00u)
#define USART_BRR(b) REG32((b) + 0x0Cu)
#define USART_ISR(b) REG32((b) + 0x1Cu)
#define USART_RDR(b) REG32((b) + 0x24u)
#define USART_TDR(b) REG32((b) + 0x28u)
#define USART_CR1_UE (1u << 0)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_ISR_RXNE (1u << 5)
#define USART_ISR_TXE (1u << 7)

#define TIM_CR1(b) REG32((b) + 0x00u)
#define TIM_EGR(b) REG32((b) + 0x14u)
#define TIM_CNT(b) REG32((b) + 0x24u)
#define TIM_PSC(b) REG32((b) + 0x28u)
#define TIM_ARR(b) REG32((b) + 0x2Cu)

/* Pin `pin` of port `base` to alternate function `af` (MODER=10, AFR=af). */
static inline void stm32_pin_af(uint32_t base, uint32_t pin, uint32_t af)
{
    GPIO_MODER(base) = (GPIO_MODER(base) & ~(3u << (2u * pin))) | (2u << (2u * pin));
    GPIO_OSPEEDR(base) |= 2u << (2u * pin);
    GPIO_AFR(base, pin) = (GPIO_AFR(base, pin) & ~(0xFu << (4u * (pin % 8u)))) | (af << (4u * (pin % 8u)));
}

/* Pin `pin` of port `base` as push-pull output driven high (the timestamp line idles high). */
static inline void stm32_pin_output_high(uint32_t base, uint32_t pin)
{
    GPIO_BSRR(base) = 1u << pin;
    GPIO_MODER(base) = (GPIO_MODER(base) & ~(3u << (2u * pin))) | (1u << (2u * pin));
}

/* USART (16x oversampling: BRR = f/baud) or LPUART (BRR = 256 f/baud) on, 8N1, no IRQs. */
static inline void stm32_usart_init(uint32_t base, uint32_t brr)
{
    USART_CR1(base) = 0u;
    USART_BRR(base) = brr;
    USART_CR1(base) = USART_CR1_UE | USART_CR1_RE | USART_CR1_TE;
}

/* 32-bit timer free-running at 1 MHz from a timer clock of `timer_clk_hz`. */
static inline void stm32_timer_1mhz(uint32_t base, uint32_t timer_clk_hz)
{
    TIM_PSC(base) = timer_clk_hz / 1000000u - 1u;
    TIM_ARR(base) = 0xFFFFFFFFu;
    TIM_EGR(base) = 1u;  /* UG: load the prescaler now */
    TIM_CR1(base) = 1u;  /* CEN */
}

#endif /* FARM_STM32_PERIPH_H */
