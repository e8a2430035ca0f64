# NUCLEO-U5A5ZJ-Q: STM32U5A5ZJ, Cortex-M33 (FPU, DSP), 160 MHz, 4 MB flash, 2.5 MB SRAM.
BSP_CPU := -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16
BSP_CORE := cortex-m33
BSP_DEFS :=
BSP_SRCS := $(BSP_COMMON)/stm32_bsp.c
BSP_ARENA_BYTES := 2097152
BSP_DB_BYTES := 131072
BSP_STACK_BYTES := 16384
