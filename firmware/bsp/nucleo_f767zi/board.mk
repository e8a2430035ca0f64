# NUCLEO-F767ZI: STM32F767ZI, Cortex-M7 (double-precision FPU), 216 MHz, 2 MB flash, 512 KB SRAM.
BSP_CPU := -mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16
BSP_CORE := cortex-m7
BSP_DEFS :=
BSP_SRCS := $(BSP_COMMON)/stm32_bsp.c
BSP_ARENA_BYTES := 393216
BSP_DB_BYTES := 65536
BSP_STACK_BYTES := 16384
