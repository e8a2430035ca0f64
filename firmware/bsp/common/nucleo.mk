# What every STM32 Nucleo board shares: the register-level BSP in stm32_bsp.c (clock, UART,
# timestamp pin chosen by each board's board.h and clock.c), no extra defines. A Nucleo
# board.mk sets its core and memory budgets, then includes this file.
BSP_DEFS :=
BSP_SRCS := $(BSP_COMMON)/stm32_bsp.c
