# NUCLEO-L4R5ZI: STM32L4R5ZI, Cortex-M4F, 120 MHz, 2 MB flash, 640 KB SRAM.
BSP_CPU := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
BSP_CORE := cortex-m4
BSP_DEFS :=
BSP_SRCS := $(BSP_COMMON)/stm32_bsp.c
BSP_ARENA_BYTES := 524288
BSP_DB_BYTES := 65536
BSP_STACK_BYTES := 16384
