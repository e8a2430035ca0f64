/*
 * commands.c - the MLPerf Tiny command set plus the farm extensions farm-info%, results-raw%
 * and cycles%. Every answer ends with m-ready (printed by the caller).
 */
#include "commands.h"

#include <string.h>

#include "bsp.h"
#include "console.h"
#include "dbuf.h"
#include "model_glue.h"
#include "parse.h"
#include "version.h"

static uint64_t g_last_cycles;
static uint32_t g_last_runs;

void commands_timestamp(void)
{
#if FARM_ENERGY_MODE
    bsp_timestamp_pulse();
#else
    con_str("m-lap-us-");
    con_u64(bsp_time_us());
    con_eol();
#endif
}

static void cmd_profile(void)
{
    con_line("m-profile-[" FARM_FW_NAME " " FARM_FW_VERSION "]");
    con_str("m-model-[");
    con_str(model_ready() ? model_info()->model_id : "none");
    con_line("]");
}

static bool require_model(void)
{
    if (model_ready()) {
        return true;
    }
    con_str("e-[No model in the model region (");
    con_str(model_status_text(model_status()));
    con_line("); write a model blob first]");
    return false;
}

static bool prepare_input(void)
{
    size_t want = model_info()->input_bytes;
    size_t have = dbuf_filled();
    if (have != 0u && have != want) {
        con_str("e-[Input buffer holds ");
        con_u64(have);
        con_str(" bytes, the model needs ");
        con_u64(want);
        con_line("]");
        return false;
    }
    model_set_input(dbuf_data(), have);
    return true;
}

static bool run_once(void)
{
    farm_status_t status = model_invoke();
    if (status != FARM_OK) {
        con_str("e-[Inference failed: ");
        con_str(model_status_text(status));
        con_line("]");
        return false;
    }
    return true;
}

static void print_results(void)
{
    const farm_model_info_t *info = model_info();
    const int8_t *out = model_output();
    con_str("m-results-[");
    for (uint32_t i = 0; i < info->output_bytes; ++i) {
        if (i != 0u) {
            con_str(",");
        }
        con_fixed3(((float)out[i] - (float)info->output_zero_point) * info->output_scale);
    }
    con_line("]");
}

/* Unwrap a 32-bit cycle delta using the microsecond clock (cycle counters wrap in seconds). */
static uint64_t unwrap_cycles(uint32_t dc, uint32_t dt_us)
{
    uint64_t expected = bsp_cycles_in_us(dt_us);
    uint64_t total = dc;
    while (expected > total + 0x80000000ull) {
        total += 0x100000000ull;
    }
    return total;
}

static void cmd_infer(char *rest)
{
    uint32_t n = 1u;
    uint32_t warmups = 10u;
    char *tok = next_token(&rest);
    if (tok != NULL && !parse_u32(tok, &n)) {
        con_line("e-[Command 'infer' needs numbers: infer N W]");
        return;
    }
    tok = next_token(&rest);
    if (tok != NULL && !parse_u32(tok, &warmups)) {
        con_line("e-[Command 'infer' needs numbers: infer N W]");
        return;
    }
    if (n == 0u) {
        con_line("e-[Command 'infer' must run >0 inferences]");
        return;
    }
    if (!require_model() || !prepare_input()) {
        return;
    }
    con_str("m-warmup-start-");
    con_u64(warmups);
    con_eol();
#if FARM_ENERGY_MODE && (defined(FARM_FAULT_PIN_BEFORE_WARMUP) || defined(FARM_FAULT_PIN_EXTRA))
    /* Fault builds (testing only): the start edge comes before the warm-ups (a window taken
     * from the pin holds them), or an extra edge does; the farm's energy check must notice. */
    bsp_timestamp_pulse();
#endif
    for (uint32_t i = 0; i < warmups; ++i) {
        model_set_input(dbuf_data(), dbuf_filled());
        if (!run_once()) {
            return;
        }
    }
    con_line("m-warmup-done");
    con_str("m-infer-start-");
    con_u64(n);
    con_eol();
    model_set_input(dbuf_data(), dbuf_filled());
    /* The timed region: nothing but the N inferences between the two clock reads. Lap lines
     * are printed after it, so UART output never counts.
     * Energy mode: each clock read is followed at once by a timestamp pulse, so both window
     * edges are falling edges at the same offset from their clock read: the time between the
     * two falling edges (what a monitor sees) is the timed region (what cycles% reports), which
     * holds the first pulse's low time (FARM_TS_PULSE_US) and the N inferences; the second
     * pulse comes after it. */
    bsp_timing_sync();
    uint32_t t0 = bsp_time_us();
    uint32_t c0 = bsp_cycles();
#if FARM_ENERGY_MODE && !defined(FARM_FAULT_PIN_BEFORE_WARMUP)
    bsp_timestamp_pulse();
#endif
    farm_status_t status = FARM_OK;
    for (uint32_t i = 0; i < n && status == FARM_OK; ++i) {
        status = model_invoke();
    }
    uint32_t c1 = bsp_cycles();
    uint32_t t1 = bsp_time_us();
#if FARM_ENERGY_MODE
    bsp_timestamp_pulse();
#endif
    bsp_timed_region(c0, c1);
    if (status != FARM_OK) {
        con_str("e-[Inference failed: ");
        con_str(model_status_text(status));
        con_line("]");
        return;
    }
    g_last_cycles = unwrap_cycles(c1 - c0, t1 - t0);
    g_last_runs = n;
#if !FARM_ENERGY_MODE
    con_str("m-lap-us-");
    con_u64(t0);
    con_eol();
    con_str("m-lap-us-");
    con_u64(t1);
    con_eol();
#endif
    con_line("m-infer-done");
    /* Operators may reuse the input tensor's memory: if the timed runs overwrote it, rerun
     * once (untimed) on the real input so m-results are the outputs for that input. */
    if (!model_input_equals(dbuf_data(), dbuf_filled())) {
        model_set_input(dbuf_data(), dbuf_filled());
        if (!run_once()) {
            return;
        }
    }
    print_results();
}

#if FARM_EXTENSIONS
#define HAS_RAW true
#else
#define HAS_RAW false
#endif

static void cmd_results(bool raw)
{
    if (!require_model()) {
        return;
    }
    if (!model_has_output()) {
        con_line("e-[No results yet; run infer first]");
        return;
    }
    if (raw && HAS_RAW) {
        con_str("m-results-raw-[");
        con_hex_bytes((const uint8_t *)model_output(), model_info()->output_bytes);
        con_line("]");
    } else {
        print_results();
    }
}

#if FARM_EXTENSIONS
static void cmd_cycles(void)
{
    if (g_last_runs == 0u) {
        con_line("e-[No timed inference yet; run infer first]");
        return;
    }
    con_str("m-cycles-");
    con_u64(g_last_cycles);
    con_eol();
}

static void cmd_farm_info(void)
{
    model_load();
    const farm_model_info_t *info = model_info();
    con_str("m-farm-info-[fw=" FARM_FW_NAME " version=" FARM_FW_VERSION " build=" FARM_BUILD_ID
            " bsp=");
    con_str(bsp_info.name);
    con_str(" clock_hz=");
    con_u64(bsp_info.core_clock_hz);
    con_str(" cycle_unit=");
    con_str(bsp_info.cycle_unit);
    con_str(" kernels=");
    con_str(farm_runtime_kernel_path());
    con_str(" mode=" FARM_MODE_NAME " baud=");
    con_u64(FARM_CONSOLE_BAUD);
#if FARM_ENERGY_MODE
    con_str(" ts_pulse_us=");
    con_u64(FARM_TS_PULSE_US);
#endif
    con_str(" model=");
    con_str(info ? info->model_id : "none");
    con_str(" model_status=");
    con_str(model_status_text(model_status()));
    con_str(" blob_hash=");
    if (info) {
        con_hex_bytes(info->content_hash, sizeof info->content_hash);
    } else {
        con_str("-");
    }
    con_str(" blob_bytes=");
    con_u64(info ? info->blob_bytes : 0u);
    con_str(" region_bytes=");
    con_u64(model_region_bytes());
    con_str(" arena_bytes=");
    con_u64(model_arena_bytes());
    con_str(" arena_used=");
    con_u64(info ? info->arena_bytes : 0u);
    con_line("]");
}

#endif /* FARM_EXTENSIONS */

/* help%: what MLPerf Tiny's reference firmware prints (firmware id, then one line per command;
 * free text, no m- prefix: hosts show it to a person and wait for m-ready), plus our extensions. */
static void cmd_help(void)
{
    static const char *const lines[] = {
        FARM_FW_NAME " " FARM_FW_VERSION " (" FARM_MODE_NAME " mode)",
        "",
        "help         : Print this information",
        "name         : Print the name of the device",
        "profile      : Print the firmware and model ids",
        "timestamp    : Generate a timestamp (m-lap-us, or a pulse in energy mode)",
        "db SUBCMD    : Manipulate the input byte buffer",
        "  load N     : Allocate N bytes and reset the load counter",
        "  HH[HH]*    : Load 8-bit hex byte(s) until N bytes",
        "  print      : Print the buffer as hex, 8 bytes a line",
        "infer N [W]  : Load the input, run W warm-ups (default 10), then N timed inferences",
        "results      : Outputs of the last inference, dequantized",
#if FARM_EXTENSIONS
        "results-raw  : Outputs of the last inference, int8 tensor as hex (farm extension)",
        "cycles       : Cycles (instructions on a twin) of the last timed region (farm extension)",
        "farm-info    : Firmware, board, model and arena facts (farm extension)",
#endif
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; ++i) {
        con_line(lines[i]);
    }
}

#ifdef FARM_CALIBRATE
/* Calibration build only (make ... EXTRA_DEFS=-DFARM_CALIBRATE): `calibrate N%` times a loop
 * of exactly 2N+1 instructions (N x {subs, bne} + mov) to check the cycle/instruction clock. */
static void cmd_calibrate(char *rest)
{
    uint32_t n = 0;
    char *tok = next_token(&rest);
    if (tok == NULL || !parse_u32(tok, &n) || n == 0u) {
        con_line("e-[calibrate N]");
        return;
    }
    bsp_timing_sync();
    uint32_t t0 = bsp_time_us();
    uint32_t c0 = bsp_cycles();
    __asm__ volatile("mov r0, %0\n1: subs r0, r0, #1\n bne 1b" : : "r"(n) : "r0", "cc");
    uint32_t c1 = bsp_cycles();
    uint32_t t1 = bsp_time_us();
    con_str("m-calibrate-cycles-");
    con_u64(c1 - c0);
    con_str("-us-");
    con_u64(t1 - t0);
    con_eol();
}
#endif

void commands_dispatch(char *line)
{
    char *rest = line;
    char *cmd = next_token(&rest);
    if (cmd == NULL) {
        return; /* a bare '%' : nothing to do but m-ready */
    }
    if (strcmp(cmd, "help") == 0) {
        cmd_help();
    } else if (strcmp(cmd, "name") == 0) {
        con_line("m-name-dut-[" FARM_VENDOR "]");
    } else if (strcmp(cmd, "profile") == 0) {
        cmd_profile();
    } else if (strcmp(cmd, "timestamp") == 0) {
        commands_timestamp();
    } else if (strcmp(cmd, "db") == 0) {
        dbuf_command(rest);
    } else if (strcmp(cmd, "infer") == 0) {
        cmd_infer(rest);
    } else if (strcmp(cmd, "results") == 0) {
        cmd_results(false);
#if FARM_EXTENSIONS
    } else if (strcmp(cmd, "results-raw") == 0) {
        cmd_results(true);
    } else if (strcmp(cmd, "cycles") == 0) {
        cmd_cycles();
    } else if (strcmp(cmd, "farm-info") == 0) {
        cmd_farm_info();
#endif
#ifdef FARM_CALIBRATE
    } else if (strcmp(cmd, "calibrate") == 0) {
        cmd_calibrate(rest);
#endif
    } else {
        /* Restore the separator next_token() cut so the whole command is echoed. */
        if (*rest != '\0') {
            rest[-1] = ' ';
        }
        con_str("e-[Unknown command: ");
        con_str(cmd);
        con_line("]");
    }
}
