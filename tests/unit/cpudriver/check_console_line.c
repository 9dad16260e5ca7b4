/* tests/unit/cpudriver/check_console_line.c: the console's edit line. */
#include <console_line.h>
#include <string.h>
#include <unit.h>

static char term[4096]; // every byte sent to the terminal
static size_t term_len;
static struct console_line line;

static void sink(void *arg, char c)
{
    (void)arg;
    ck_assert_uint_lt(term_len, sizeof(term) - 1);
    term[term_len++] = c;
    term[term_len] = 0;
}

static void reset(void)
{
    memset(&line, 0, sizeof(line));
    term_len = 0;
    term[0] = 0;
}

static void edit(const char *s) { console_line_edit(&line, s, strlen(s), sink, 0); }

static void other(const char *s)
{
    console_line_begin(&line, sink, 0);
    console_line_put(&line, s, strlen(s), sink, 0);
    console_line_end(&line, sink, 0);
}

// What a terminal shows: "\r\n" ends a line, CONSOLE_LINE_ERASE clears the
// line the cursor is on, and "\b" moves back one column (the next byte
// overwrites).
static void render(char *out, size_t size)
{
    size_t n = 0, col = 0, start = 0;
    for (size_t i = 0; i < term_len; i++) {
        if (!strncmp(term + i, CONSOLE_LINE_ERASE, strlen(CONSOLE_LINE_ERASE))) {
            n = start;
            col = 0;
            i += strlen(CONSOLE_LINE_ERASE) - 1;
        } else if (term[i] == '\r') {
            ck_assert_msg(term[i + 1] == '\n', "a lone CR at byte %zu", i);
        } else if (term[i] == '\n') {
            n = start + col;
            out[n++] = '\n';
            start = n;
            col = 0;
        } else if (term[i] == '\b') {
            ck_assert_uint_gt(col, 0);
            col--;
        } else {
            ck_assert_uint_lt(start + col, size - 1);
            out[start + col++] = term[i];
            if (start + col > n)
                n = start + col;
        }
    }
    out[n] = 0;
}

START_TEST(test_other_output_goes_above_the_line)
{
    char screen[4096];
    reset();
    edit("sietch$ run vnic");
    other("vnictest: done: 30 echoes\n");
    edit("test wait\n");
    render(screen, sizeof(screen));
    ck_assert_str_eq(screen, "vnictest: done: 30 echoes\nsietch$ run vnictest wait\n");
    // The raw bytes: the line erased, the output, the line drawn again.
    ck_assert_str_eq(term, "sietch$ run vnic\r\x1b[Kvnictest: done: 30 echoes\r\n"
                           "sietch$ run vnictest wait\r\n");
}
END_TEST

START_TEST(test_no_line_no_redraw)
{
    reset();
    other("boot line one\n");
    edit("sietch$ ls\n");
    other("command output\n");
    other("and more\n");
    ck_assert_str_eq(term, "boot line one\r\nsietch$ ls\r\ncommand output\r\nand more\r\n");
}
END_TEST

START_TEST(test_prompt_alone_and_partial_output)
{
    char screen[4096];
    reset();
    edit("sietch$ ");
    other("progress 10%"); // no newline: the line goes below it all the same
    other(" 20%\n");
    edit("x\n");
    render(screen, sizeof(screen));
    ck_assert_str_eq(screen, "progress 10%\n 20%\nsietch$ x\n");
    // An unfinished line printed before the prompt is never erased with it.
    reset();
    other("Password: ");
    edit("sietch$ ");
    other("late\n");
    render(screen, sizeof(screen));
    ck_assert_str_eq(screen, "Password: \nlate\nsietch$ ");
}
END_TEST

START_TEST(test_rubout_and_ctrl_c)
{
    char screen[4096];
    reset();
    edit("sietch$ ");
    edit("ab");
    edit("\b \b"); // the shell rubs out 'b'
    other("line\n");
    edit("c\n");
    render(screen, sizeof(screen));
    ck_assert_str_eq(screen, "line\nsietch$ ac\n");
    reset();
    edit("sietch$ abc^C\nsietch$ ");
    other("x\n");
    ck_assert_str_eq(term, "sietch$ abc^C\r\nsietch$ \r\x1b[Kx\r\nsietch$ ");
    edit("\b\b\b\b\b\b\b\b\b\b"); // more rubouts than text: nothing breaks
    ck_assert_uint_eq(line.len, 0);
}
END_TEST

START_TEST(test_too_long_is_not_redrawn)
{
    reset();
    char big[CONSOLE_LINE_MAX + 10];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    edit(big);
    size_t before = term_len;
    other("x\n");
    ck_assert_uint_eq(term_len, before + 3); // "x\r\n" alone: no erase, no redraw
    edit("\n");
    edit("p$ ");
    other("y\n"); // a new line after the newline is redrawn again
    ck_assert(strstr(term, "\r\x1b[Ky\r\np$ ") != NULL);
}
END_TEST

static Suite *console_line_suite(void)
{
    Suite *s = suite_create("console_line");
    TCase *tc = tcase_create("console_line");
    tcase_add_test(tc, test_other_output_goes_above_the_line);
    tcase_add_test(tc, test_no_line_no_redraw);
    tcase_add_test(tc, test_prompt_alone_and_partial_output);
    tcase_add_test(tc, test_rubout_and_ctrl_c);
    tcase_add_test(tc, test_too_long_is_not_redrawn);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(console_line_suite)
