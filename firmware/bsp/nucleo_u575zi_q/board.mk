# NUCLEO-U575ZI-Q: STM32U575ZI, Cortex-M33 (FPU, DSP), 160 MHz, 2 MB flash, 786 KB SRAM.
BSP_CPU := -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16
BSP_CORE := cortex-m33
BSP_DEFS :=
BSP_SRCS := $(BSP_COMMON)/stm32_bsp.c
BSP_ARENA_BYTES := 655360
BSP_DB_BYTES := 65536
BSP_STACK_BYTES := 16384
