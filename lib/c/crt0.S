/* lib/c/crt0.S: _start, the entry point of every user program.
 *
 * On entry %rsp points into a usable stack (any alignment) and %rdi holds
 * the startup argument, which the system layer defines (see
 * <sietch/libc_sys.h>). Everything else is undefined.
 */
    .text
    .globl _start
    .type _start, @function
_start:
    xorl %ebp, %ebp     /* the outermost frame: backtraces stop here */
    andq $-16, %rsp     /* the SysV ABI wants %rsp 16-aligned at a call */
    call libc_start     /* %rdi passes through untouched */
    ud2                 /* libc_start does not return */
    .size _start, . - _start
