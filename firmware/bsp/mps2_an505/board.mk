# QEMU mps2-an505: Cortex-M33 (IoTKit / SSE-200 FPGA image), 20 MHz system clock. Runs in the
# Secure state it resets into; peripherals through their Secure aliases (0x5xxxxxxx).
BSP_CPU := -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16
BSP_CORE := cortex-m33
BSP_DEFS := -DFARM_SYSTICK_HZ=20000000u -DFARM_UART_BASE=0x50200000u
BSP_SRCS := $(BSP_COMMON)/mps2_twin.c $(BSP_COMMON)/cmsdk_uart.c $(BSP_COMMON)/systick_time.c \
            $(BSP_COMMON)/ram_vectors.c \
            $(BSP_COMMON)/twin_timebase.c
BSP_ARENA_BYTES := 1048576
BSP_DB_BYTES := 65536
BSP_STACK_BYTES := 16384
