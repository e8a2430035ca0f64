# QEMU mps2-an505: Cortex-M33 (IoTKit / SSE-200 FPGA image), 20 MHz system clock. Runs in the
# Secure state it resets into; peripherals through their Secure aliases (0x5xxxxxxx).
BSP_CORE := cortex-m33
BSP_DEFS := -DFARM_SYSTICK_HZ=20000000u -DFARM_UART_BASE=0x50200000u
include $(BSP_COMMON)/mps2.mk
