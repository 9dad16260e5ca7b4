/* cpudriver/include/kernel_tests.h: tests the CPU driver runs on itself at boot. */
#pragma once

// Run what the command line asks for:
//   ktest         run the in-kernel tests, printing "TEST PASS <id>" or
//                 "TEST FAIL <id>: <why>" for each
//   crash=<kind>  fault on purpose (pf, ud, de, gp, stack) to exercise the
//                 exception dump; does not return
void kernel_tests_run(const char *cmdline);
