/*
 * flash_reads.c - a QEMU TCG plugin that records how a twin's timed region reads data from
 * flash, for the flash data cache of whichever target the cycle model prices it for.
 *
 * The cycle model (farm/devices/cycle_model.py) charges the flash wait states per data read
 * the accelerator does not serve. QEMU's exec log has no data addresses, so this plugin
 * watches every load: those inside a flash range (the image's read-only segment, the model
 * region) between the first two runs of the region pc (bsp_cycles, as the exec profile) are
 * counted by their LRU stack distance in 64-bit words: how many other words were read since
 * this word was last read. A fully associative LRU cache of k words (the current 64-bit
 * buffer being the most recent) hits exactly the reads at a distance below k, so one trace
 * prices every cache size (Mattson et al., 1970). Distances of `depth` words or more, and
 * first reads, are counted as "far". Loads inside a skip range (the energy build's pulse,
 * left out of the exec profile too) are not counted.
 *
 * Arguments (QEMU 7.2: -plugin file=flash_reads.so,region=0x...,flash=0xLO-0xHI,...):
 *   region=<pc>     first instruction of the bracket function
 *   flash=<lo>-<hi> a flash range [lo, hi) (repeatable)
 *   skip=<lo>-<hi>  code whose loads are not counted (repeatable)
 *   depth=<n>       distances tracked, in 64-bit words (at most 4096)
 *   out=<path>      written when the region closes: "reads <n>", "far <n>", then
 *                   "distance <d> <n>" for each distance that occurred
 *
 * Only the few plugin API calls used here are declared (QEMU's C plugin ABI, version 1 as
 * QEMU 7.2 loads it); the header is not vendored.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef uint32_t qemu_plugin_meminfo_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t qemu_info_t;

enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_R = 1, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_MEM_RW };

typedef void (*tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*mem_cb_t)(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr,
                         void *udata);
typedef void (*udata_cb_t)(unsigned int vcpu, void *udata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn, mem_cb_t cb,
                                      enum qemu_plugin_cb_flags flags,
                                      enum qemu_plugin_mem_rw rw, void *udata);
bool qemu_plugin_mem_is_store(qemu_plugin_meminfo_t info);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *udata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define MAX_RANGES 16
#define MAX_DEPTH 4096

typedef struct {
    uint64_t lo, hi;
} range_t;

static range_t flash[MAX_RANGES], skip[MAX_RANGES];
static int n_flash, n_skip;
static uint64_t region_pc = UINT64_MAX;
static int bracket_runs; /* counting while exactly one run of the region pc has been seen */
static uint64_t reads, far;
static uint64_t at_distance[MAX_DEPTH];
static uint32_t stack[MAX_DEPTH]; /* 64-bit word numbers, most recent first */
static int stacked, depth = 1024;
static char out_path[4096];

static bool in_ranges(const range_t *r, int n, uint64_t a)
{
    for (int i = 0; i < n; i++) {
        if (a >= r[i].lo && a < r[i].hi) {
            return true;
        }
    }
    return false;
}

static void on_load(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    (void)vcpu, (void)udata;
    if (bracket_runs != 1 || qemu_plugin_mem_is_store(info) || !in_ranges(flash, n_flash, vaddr)) {
        return;
    }
    reads++;
    const uint32_t word = (uint32_t)(vaddr >> 3);
    int at = 0;
    while (at < stacked && stack[at] != word) {
        at++;
    }
    if (at < stacked) {
        at_distance[at]++;
    } else {
        far++;
        if (stacked < depth) {
            stacked++;
        }
        at = stacked - 1; /* the least recent word drops out of the tracked depth */
    }
    memmove(&stack[1], &stack[0], (size_t)at * sizeof stack[0]);
    stack[0] = word;
}

static void write_counts(void)
{
    FILE *f = fopen(out_path, "w");
    if (f == NULL) {
        return; /* the caller finds no file and says so */
    }
    fprintf(f, "reads %" PRIu64 "\nfar %" PRIu64 "\n", reads, far);
    for (int d = 0; d < depth; d++) {
        if (at_distance[d]) {
            fprintf(f, "distance %d %" PRIu64 "\n", d, at_distance[d]);
        }
    }
    fclose(f);
}

static void on_bracket(unsigned int vcpu, void *udata)
{
    (void)vcpu, (void)udata;
    bracket_runs++;
    if (bracket_runs == 2) {
        write_counts();
    }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    const size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        const uint64_t pc = qemu_plugin_insn_vaddr(insn);
        if (pc == region_pc) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_bracket, QEMU_PLUGIN_CB_NO_REGS,
                                                   NULL);
        }
        if (!in_ranges(skip, n_skip, pc)) {
            /* Registered for reads and writes: QEMU 7.2 calls a QEMU_PLUGIN_MEM_R callback
             * for no access at all (measured); stores are dropped in on_load. */
            qemu_plugin_register_vcpu_mem_cb(insn, on_load, QEMU_PLUGIN_CB_NO_REGS,
                                             QEMU_PLUGIN_MEM_RW, NULL);
        }
    }
}

static bool parse_range(const char *text, range_t *r)
{
    char *end;
    r->lo = strtoull(text, &end, 0);
    if (*end != '-') {
        return false;
    }
    r->hi = strtoull(end + 1, &end, 0);
    return *end == '\0' && r->hi > r->lo;
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
                                                               const qemu_info_t *info,
                                                               int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool ok = true;
        if (strncmp(a, "region=", 7) == 0) {
            region_pc = strtoull(a + 7, NULL, 0);
        } else if (strncmp(a, "flash=", 6) == 0 && n_flash < MAX_RANGES) {
            ok = parse_range(a + 6, &flash[n_flash++]);
        } else if (strncmp(a, "skip=", 5) == 0 && n_skip < MAX_RANGES) {
            ok = parse_range(a + 5, &skip[n_skip++]);
        } else if (strncmp(a, "depth=", 6) == 0) {
            depth = atoi(a + 6);
            ok = depth >= 1 && depth <= MAX_DEPTH;
        } else if (strncmp(a, "out=", 4) == 0) {
            snprintf(out_path, sizeof out_path, "%s", a + 4);
        } else {
            ok = false;
        }
        if (!ok) {
            fprintf(stderr, "flash_reads: bad argument '%s'\n", a);
            return -1;
        }
    }
    if (region_pc == UINT64_MAX || n_flash == 0 || out_path[0] == '\0') {
        fprintf(stderr, "flash_reads: region=, flash= and out= are required\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    return 0;
}
