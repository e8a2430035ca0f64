# QEMU mps2-an386: Cortex-M4F on the MPS2 FPGA board, 25 MHz system clock.
BSP_CPU := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
BSP_CORE := cortex-m4
BSP_DEFS := -DFARM_SYSTICK_HZ=25000000u -DFARM_UART_BASE=0x40004000u
BSP_SRCS := $(BSP_COMMON)/mps2_twin.c $(BSP_COMMON)/cmsdk_uart.c $(BSP_COMMON)/systick_time.c \
            $(BSP_COMMON)/ram_vectors.c \
            $(BSP_COMMON)/twin_timebase.c
BSP_ARENA_BYTES := 1048576
BSP_DB_BYTES := 65536
BSP_STACK_BYTES := 16384
