# NUCLEO-L452RE-P: STM32L452RE, Cortex-M4F, 80 MHz, 512 KB flash, 160 KB SRAM (128 + 32).
BSP_CPU := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
BSP_CORE := cortex-m4
BSP_DEFS :=
BSP_SRCS := $(BSP_COMMON)/stm32_bsp.c
BSP_ARENA_BYTES := 114688
BSP_DB_BYTES := 16384
BSP_STACK_BYTES := 8192
