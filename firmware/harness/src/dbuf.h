/* dbuf.h - the `db` input buffer of the DUT protocol. */
#ifndef FARM_DBUF_H
#define FARM_DBUF_H

#include <stddef.h>
#include <stdint.h>

void dbuf_command(char *args);      /* everything after "db " */
const uint8_t *dbuf_data(void);
size_t dbuf_filled(void);           /* bytes received so far */
size_t dbuf_expected(void);         /* N of the last valid `db load N` (0: none) */

#endif
