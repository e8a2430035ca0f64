# The STM32U5 Nucleo boards (U575, U5A5): a Cortex-M33, and one clock tree for every part of the
# family (stm32u5_clock.c, RM0456). Their board.mk sets the memory budgets, then includes this.
BSP_CORE := cortex-m33
include $(BSP_COMMON)/nucleo.mk
BSP_SRCS += $(BSP_COMMON)/stm32u5_clock.c
