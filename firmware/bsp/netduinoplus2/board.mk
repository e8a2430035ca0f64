# QEMU netduinoplus2: STM32F405RG (Cortex-M4F) with STM32 peripherals. QEMU models no RCC, so
# the clock tree is fixed: SysTick at the 168 MHz system clock, timers at 1 GHz.
BSP_CORE := cortex-m4
BSP_DEFS := -DFARM_SYSTICK_HZ=168000000u
BSP_SRCS := $(BSP_COMMON)/systick_time.c $(BSP_COMMON)/twin_wire.c $(BSP_COMMON)/ram_vectors.c \
            $(BSP_COMMON)/twin_timebase.c
BSP_ARENA_BYTES := 98304
BSP_DB_BYTES := 32768
BSP_STACK_BYTES := 8192
