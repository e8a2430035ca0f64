# NUCLEO-L476RG: STM32L476RG, Cortex-M4F, 80 MHz, 1 MB flash, 96+32 KB SRAM.
BSP_CPU := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
BSP_CORE := cortex-m4
BSP_DEFS :=
BSP_SRCS := $(BSP_COMMON)/stm32_bsp.c
BSP_ARENA_BYTES := 65536
BSP_DB_BYTES := 8192
BSP_STACK_BYTES := 6144
