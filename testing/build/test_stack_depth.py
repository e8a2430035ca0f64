"""The build's stack depth check: GCC's call graph (-fcallgraph-info=su) against the image's
stack. A chain deeper than the stack is a silent overflow into the arena on the board, so the
build fails and names the chain."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from farm.build import build_firmware
from farm.build.stack_depth import EXCEPTION_FRAME_BYTES, EXTERNAL_BYTES, stack_report
from farm.errors import BuildError
from testing.build.conftest import HARNESS

# A bare image in the harness's shape: a vector table, Reset_Handler, a kernel table called
# through a pointer, FARM_STACK_BYTES linked in.
IMAGE = """
#include <stdint.h>
#include <string.h>
typedef void (*fn_t)(int);
void Reset_Handler(void);
void Timer_Handler(void);
__attribute__((section(".vectors"), used)) const fn_t farm_vectors[4] = {
    0, (fn_t)Reset_Handler, (fn_t)Timer_Handler, 0};
volatile int sink;
__attribute__((noinline)) void leaf(int n) { volatile char buf[200]; buf[n] = 1; sink = buf[0]; }
__attribute__((noinline)) void kernel_a(int n) { volatile char buf[1000]; buf[n] = 1; leaf(n); }
__attribute__((noinline)) void pixel(int n) { volatile char buf[40]; buf[n] = 2; }
__attribute__((noinline)) void pixel2(int n) { volatile char buf[48]; buf[n] = 2; }
__attribute__((noinline)) void kernel_b(int n);
const fn_t kernels[2] = {kernel_a, kernel_b};
const fn_t pixels[2] = {pixel, pixel2};
__attribute__((noinline)) void kernel_b(int n) { volatile char b[300]; b[n] = 1; pixels[n & 1](n); }
__attribute__((noinline)) void invoke(int n) { kernels[n & 1](n); }
__attribute__((noinline)) void copy(char *d, int n) { memcpy(d, d + 64, n); }
void Timer_Handler(void) { volatile char buf[64]; buf[sink] = 3; }
RECURSE
void Reset_Handler(void) { char d[128]; invoke(sink); copy(d, sink); for (;;) {} }
"""


def _image(tmp_path: Path, stack_bytes: int, recurse: bool = False) -> tuple[list[Path], Path]:
    src = tmp_path / "image.c"
    recursion = (
        "__attribute__((noinline)) int up(int n);\n"
        "__attribute__((noinline)) int down(int n) { volatile char b[16]; b[0] = (char)n;"
        " return n ? up(n - 1) * b[0] : 0; }\n"
        "__attribute__((noinline)) int up(int n) { volatile char b[16]; b[0] = (char)n;"
        " return n ? down(n - 1) * b[0] : 1; }\n"
        if recurse
        else ""
    )
    text = IMAGE.replace("RECURSE", recursion)
    if recurse:
        text = text.replace("copy(d, sink);", "copy(d, down(sink));")
    src.write_text(text)
    elf = tmp_path / "image.elf"
    subprocess.run(
        ["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-O2", "-fcallgraph-info=su",
         "-nostartfiles", "--specs=nano.specs", f"-Wl,--defsym=FARM_STACK_BYTES={stack_bytes}",
         "-Wl,-e,Reset_Handler", str(src), "-o", str(elf)],
        check=True, cwd=tmp_path,
    )  # fmt: skip
    return sorted(tmp_path.glob("*.ci")), elf


def test_deepest_chain_goes_through_the_kernel_table(tmp_path: Path) -> None:
    ci, elf = _image(tmp_path, 4096)
    report = stack_report(ci, elf)
    chain = [name.split(":")[-1] for name in report.main_chain]
    # kernel_b's frame (300) and its pixel pointer lose to kernel_a (1000) and leaf (200)
    assert chain[:3] == ["Reset_Handler", "invoke", "kernel_a"] and chain[3] == "leaf"
    assert report.main_bytes > 1000 + 200
    assert report.interrupt_chain == ("Timer_Handler",)
    assert report.interrupt_bytes > 64 + EXCEPTION_FRAME_BYTES - 1
    assert report.limit_bytes == 4096 and report.worst_bytes <= 4096


def test_an_indirect_call_does_not_reach_its_own_table(tmp_path: Path) -> None:
    """kernel_b calls through `pixels`: pixel, not kernel_a (kernel_b's own table)."""
    ci, elf = _image(tmp_path, 4096)
    report = stack_report(ci, elf)
    with_b = [name.split(":")[-1] for name in report.main_chain]
    assert "kernel_b" not in with_b  # the deepest is still kernel_a's chain
    # Had kernel_b reached kernel_a, the chain would hold both: Reset -> invoke -> kernel_b ->
    # kernel_a -> leaf, deeper than any real path.
    assert report.main_bytes < 1000 + 300 + 200


def test_a_library_function_is_charged_the_stated_allowance(tmp_path: Path) -> None:
    ci, elf = _image(tmp_path, 4096)
    report = stack_report(ci, elf)
    assert f"{EXTERNAL_BYTES} B each" in report.method
    # memcpy has no call graph: Reset_Handler -> copy -> memcpy is frames + the allowance
    assert report.main_bytes >= EXTERNAL_BYTES


def test_recursion_has_no_static_bound(tmp_path: Path) -> None:
    ci, elf = _image(tmp_path, 4096, recurse=True)
    with pytest.raises(BuildError, match=r"recursion .*down -> .*up -> .*down"):
        stack_report(ci, elf)


def test_a_harness_build_reports_its_stack(build_cache: Path) -> None:
    art = build_firmware(HARNESS, "1.1", "nucleo_l4r5zi", cache_dir=build_cache, builder="host")
    stack = art.memory["stack"]
    assert stack["limit_bytes"] == 16384
    assert 8192 < stack["worst_bytes"] <= 16384  # the tiles or the conv copy, within the stack
    assert stack["main_chain"][:2] == ["Reset_Handler", "main"]


def test_a_chain_deeper_than_the_stack_fails_the_build(tmp_path: Path) -> None:
    """The G431's kernels (3 KB stack) with 1 KB: the build fails and names the chain."""
    with pytest.raises(BuildError) as info:
        build_firmware(
            HARNESS,
            "1.1",
            "nucleo_g431rb",
            cache_dir=tmp_path / "cache",
            builder="host",
            extra_vars={"BSP_STACK_BYTES": "1024"},
        )
    message = str(info.value)
    assert "the deepest call chain needs" in message and "the image has 1024 B" in message
    assert "Reset_Handler -> main" in message and "BSP_STACK_BYTES" in message
