/* commands.h - DUT protocol command dispatch (specs/dut-protocol.md). */
#ifndef FARM_COMMANDS_H
#define FARM_COMMANDS_H

void commands_dispatch(char *line);   /* one command without its '%'; prints up to m-ready */
void commands_timestamp(void);        /* performance: m-lap-us-<t>; energy: GPIO pulse */

#endif
