# sources.mk - the farm int8 runtime, for firmware builds to include.
#
#   FARM_RUNTIME_DIR := path/to/firmware/runtime
#   include $(FARM_RUNTIME_DIR)/sources.mk
#   SRCS     += $(FARM_RUNTIME_SRCS)
#   CPPFLAGS += $(FARM_RUNTIME_INCLUDES)
#
# The kernel path is chosen by the compiler's target flags: with -mcpu=cortex-m4/m7/m33 (DSP
# extension present) the Cortex-M DSP kernels are built, otherwise the plain-C ones. Add
# -DFARM_FORCE_PLAIN to force plain C. Needs only string.h/stdint.h (memcpy, memmove, memset).

FARM_RUNTIME_DIR ?= $(dir $(lastword $(MAKEFILE_LIST)))
FARM_RUNTIME_SRCS := \
	$(FARM_RUNTIME_DIR)src/farm_runtime.c \
	$(FARM_RUNTIME_DIR)src/k_conv.c \
	$(FARM_RUNTIME_DIR)src/k_conv_first.c \
	$(FARM_RUNTIME_DIR)src/k_conv_matmul.c \
	$(FARM_RUNTIME_DIR)src/k_conv_tiled.c \
	$(FARM_RUNTIME_DIR)src/k_dw_planes.c \
	$(FARM_RUNTIME_DIR)src/k_elementwise.c \
	$(FARM_RUNTIME_DIR)src/k_fc_row.c \
	$(FARM_RUNTIME_DIR)src/k_fully_connected.c \
	$(FARM_RUNTIME_DIR)src/k_pool.c \
	$(FARM_RUNTIME_DIR)src/k_shape.c \
	$(FARM_RUNTIME_DIR)src/k_softmax.c
FARM_RUNTIME_INCLUDES := -I$(FARM_RUNTIME_DIR)include -I$(FARM_RUNTIME_DIR)src

# The names firmware/harness/Makefile reads: sources relative to the runtime folder, include
# folders as full paths (it adds runtime/include itself).
RUNTIME_SRCS := $(patsubst $(FARM_RUNTIME_DIR)%,%,$(FARM_RUNTIME_SRCS))
RUNTIME_INCS := $(FARM_RUNTIME_DIR)src
