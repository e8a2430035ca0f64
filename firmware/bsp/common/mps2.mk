# What every QEMU MPS2 twin shares: the whole board in mps2_twin.c with the CMSDK UART, the
# twin's wire UART and timebase, and the same memory budgets (the FPGA images have 4 MB of
# SRAM). An MPS2 board.mk sets its core and BSP_DEFS (SysTick rate, UART base), then includes
# this file.
BSP_SRCS := $(BSP_COMMON)/mps2_twin.c $(BSP_COMMON)/cmsdk_uart.c $(BSP_COMMON)/systick_time.c \
            $(BSP_COMMON)/twin_wire.c $(BSP_COMMON)/ram_vectors.c $(BSP_COMMON)/twin_timebase.c
BSP_ARENA_BYTES := 1048576
BSP_DB_BYTES := 65536
BSP_STACK_BYTES := 16384
