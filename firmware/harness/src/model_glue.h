/* model_glue.h - the model blob in the reserved flash region, bound to the runtime. */
#ifndef FARM_MODEL_GLUE_H
#define FARM_MODEL_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "farm_runtime.h"

void model_load(void);                       /* farm_model_init on the region (boot, farm-info%) */
bool model_ready(void);
farm_status_t model_status(void);
const char *model_status_text(farm_status_t status);
const farm_model_info_t *model_info(void);   /* NULL when no model is bound */
size_t model_region_bytes(void);
size_t model_arena_bytes(void);

/* Copy the input (or zeros when none was loaded) into the input tensor. */
void model_set_input(const uint8_t *data, size_t n);
bool model_input_equals(const uint8_t *data, size_t n);
farm_status_t model_invoke(void);            /* counts inferences (fault injection hook) */
const int8_t *model_output(void);
bool model_has_output(void);

#endif
