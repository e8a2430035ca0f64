# Compiler flags of a board's core, included by the harness Makefile after the board's board.mk.
# A board names its core (BSP_CORE); the FPU is the one that core carries on our boards, unless
# the board sets BSP_FPU itself (a Cortex-M7 with a single-precision FPU, say).
FPU_cortex-m4 := fpv4-sp-d16
# Cortex-M7 with the double-precision FPU (STM32F767, the MPS2 AN500 image).
FPU_cortex-m7 := fpv5-d16
FPU_cortex-m33 := fpv5-sp-d16
BSP_FPU ?= $(FPU_$(BSP_CORE))
ifeq ($(strip $(BSP_FPU)),)
$(error BSP '$(BSP)': board.mk sets no known BSP_CORE ('$(BSP_CORE)'); cores: $(patsubst FPU_%,%,$(filter FPU_%,$(.VARIABLES))))
endif
BSP_CPU := -mcpu=$(BSP_CORE) -mthumb -mfloat-abi=hard -mfpu=$(BSP_FPU)
# What the runtime's kernel choices need to know of the core (firmware/runtime/src/farm_kernels.h).
CORE_DEFS_cortex-m7 := -DFARM_CORE_M7=1
BSP_CORE_DEFS := $(CORE_DEFS_$(BSP_CORE))
