@ smlad_loop.S - a known loop for the twin cycle model's hand-count test
@ (testing/devices/test_cycle_model.py). Bare metal for mps2-an386 (code at 0x0):
@ calls bsp_cycles (the bracket the cycle model looks for, as in the harness), runs
@ LOOP_N iterations of LDR/LDR/SMLAD/STR/ADDS/LDR/SUBS/BNE, calls bsp_cycles again, and exits QEMU
@ through semihosting SYS_EXIT. LOOP_N comes from the command line (-DLOOP_N=...).
    .syntax unified
    .cpu cortex-m4
    .thumb

    .section .vectors, "a"
    .word 0x20010000            @ initial SP (AN386 SRAM)
    .word Reset_Handler         @ .thumb_func symbols carry the Thumb bit

    .text
    .thumb_func
    .global bsp_cycles
bsp_cycles:
    bx lr

    .thumb_func
    .global Reset_Handler
Reset_Handler:
    bl bsp_cycles               @ region opens at bsp_cycles' first run
    ldr r0, =weights            @ literal load
    movs r2, #LOOP_N
    movs r3, #0
loop:
    ldr r4, [r0]                @ 2 cycles (after an ALU instruction)
    ldr r5, [r0, #4]            @ 1 cycle (pipelined after a load, address independent of r4)
    smlad r3, r4, r5, r3        @ 1
    str r3, [r0, #8]            @ 1 (immediate offset: "always one cycle")
    adds r6, r0, #4             @ 1 (16-bit: imm3)
    ldr r7, [r6, #4]            @ 2 + 1 (its address is the ALU result just before)
    subs r2, #1                 @ 1
    bne loop                    @ taken 1+P, falls through once
    bl bsp_cycles               @ region closes at bsp_cycles' second run
    movs r0, #0x18              @ SYS_EXIT
    ldr r1, =0x20026            @ ADP_Stopped_ApplicationExit
    bkpt 0xab
    b .

    .align 2
weights:
    .word 0x00020001, 0x00040003, 0   @ the loop stores its sum in the third word (RAM here)
    .ltorg
