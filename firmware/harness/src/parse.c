#include "parse.h"

#include <stddef.h>

char *next_token(char **rest)
{
    char *p = *rest;
    while (*p == ' ') {
        ++p;
    }
    if (*p == '\0') {
        *rest = p;
        return NULL;
    }
    char *start = p;
    while (*p != '\0' && *p != ' ') {
        ++p;
    }
    if (*p == ' ') {
        *p++ = '\0';
    }
    *rest = p;
    return start;
}

bool parse_u32(const char *s, uint32_t *out)
{
    uint64_t v = 0;
    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; ++s) {
        if (*s < '0' || *s > '9') {
            return false;
        }
        v = v * 10u + (uint64_t)(*s - '0');
        if (v > 0xFFFFFFFFu) {
            return false;
        }
    }
    *out = (uint32_t)v;
    return true;
}
