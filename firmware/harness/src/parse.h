/* parse.h - tokenizing the command line in place. */
#ifndef FARM_PARSE_H
#define FARM_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* Next space-separated token of *rest (NUL-terminated in place), or NULL at the end. */
char *next_token(char **rest);

/* Decimal unsigned 32-bit number, the whole string; false on anything else or overflow. */
bool parse_u32(const char *s, uint32_t *out);

#endif
