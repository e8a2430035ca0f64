# NUCLEO-G431RB: STM32G431RB, Cortex-M4F, 170 MHz, 128 KB flash, 32 KB SRAM (22 + 10 CCM).
BSP_CPU := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
BSP_CORE := cortex-m4
BSP_DEFS :=
BSP_SRCS := $(BSP_COMMON)/stm32_bsp.c
BSP_ARENA_BYTES := 20480
BSP_DB_BYTES := 2048
BSP_STACK_BYTES := 3072
