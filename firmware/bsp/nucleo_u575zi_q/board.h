/* NUCLEO-U575ZI-Q: STM32U575ZI on the MB1549 Nucleo-144 board; pins, clocks and register bases
 * in ../common/nucleo144_stm32u5.h. */
#include "nucleo144_stm32u5.h"
