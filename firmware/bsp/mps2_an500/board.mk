# QEMU mps2-an500: Cortex-M7 on the MPS2 FPGA board, 25 MHz system clock.
BSP_CORE := cortex-m7
BSP_DEFS := -DFARM_SYSTICK_HZ=25000000u -DFARM_UART_BASE=0x40004000u
include $(BSP_COMMON)/mps2.mk
