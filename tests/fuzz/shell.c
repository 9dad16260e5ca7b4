/*
 * tests/fuzz/shell.c: the shell's parsing (usr/shell/parse.c) on bytes
 * typed at the console: the line editor, the words of each line, and what
 * `run` and the numeric arguments make of them.
 *
 * Invariants: every line the editor hands out is terminated, within the
 * limit, and made of ' ' to '~' only; a refused (too long) line is empty;
 * what the console shows, read as a terminal does (a "\b \b" takes the
 * last character back), is each line as handed out; words are non-empty, have no
 * space, and joined again make the line with its runs of spaces squeezed;
 * `run`'s options take off exactly the words they use, and the limits they
 * set are the defaults but for the ones named.
 */
#include "../../usr/shell/parse.h"
#include "fuzz.h"

#define LINE_MAX  255
#define MAX_ARGS  32
#define MAX_LINES 64

struct screen {
    char text[4096]; // the current line as the terminal shows it
    size_t n;
};

// The console as a terminal: characters land, "\b \b" takes one back,
// "\n" and "^C\n" end the line shown.
static void show(void *arg, const char *s)
{
    struct screen *sc = arg;
    if (!strcmp(s, "\b \b")) {
        FUZZ_CHECK(sc->n > 0, "a rub-out with nothing shown");
        sc->n--;
    } else if (!strcmp(s, "\n") || !strcmp(s, "^C\n")) {
        sc->n = 0;
    } else {
        FUZZ_CHECK(strlen(s) == 1 && s[0] >= ' ' && s[0] <= '~', "echo of %#x", (unsigned)s[0]);
        FUZZ_CHECK(sc->n < sizeof(sc->text), "the shown line overflows");
        sc->text[sc->n++] = s[0];
    }
    sc->text[sc->n] = 0;
}

struct lines {
    char line[MAX_LINES][LINE_MAX + 1];
    int len[MAX_LINES]; // or READLINE_TOO_LONG
    unsigned n;
};

// Type data at the editor, a key at a time.
static void type(const uint8_t *data, size_t size, struct lines *out)
{
    static char buf[LINE_MAX + 1];
    struct screen sc = {0};
    struct shell_edit e = {.show = show, .arg = &sc};
    memset(out, 0, sizeof(*out));
    shell_edit_begin(&e, buf, sizeof(buf));
    for (size_t i = 0; i < size && out->n < MAX_LINES; i++) {
        {
            char shown[sizeof(sc.text)];
            memcpy(shown, sc.text, sc.n + 1);
            int r = shell_edit_key(&e, data[i]);
            if (r == SHELL_EDIT_MORE || r == SHELL_EDIT_DROPPED) {
                if (r == SHELL_EDIT_DROPPED)
                    shell_edit_begin(&e, buf, sizeof(buf));
                continue;
            }
            FUZZ_CHECK(r == READLINE_TOO_LONG || (r >= 0 && r <= LINE_MAX), "result %d", r);
            FUZZ_CHECK(memchr(buf, 0, sizeof(buf)) != NULL, "the line is not terminated");
            if (r == READLINE_TOO_LONG) {
                FUZZ_CHECK(buf[0] == 0, "a refused line is not empty");
            } else {
                FUZZ_CHECK(strlen(buf) == (size_t)r, "length %d, strlen %zu", r, strlen(buf));
                for (int j = 0; j < r; j++)
                    FUZZ_CHECK(buf[j] >= ' ' && buf[j] <= '~', "byte %#x in the line",
                               (unsigned)(uint8_t)buf[j]);
                FUZZ_CHECK(!strcmp(shown, buf), "shown '%s', handed out '%s'", shown, buf);
            }
            memcpy(out->line[out->n], buf, sizeof(buf));
            out->len[out->n++] = r;
            shell_edit_begin(&e, buf, sizeof(buf));
        }
    }
}

// What the shell makes of one line: its words, and `run`'s options.
static void words(char *line)
{
    char copy[LINE_MAX + 1], joined[LINE_MAX + 1], *argv[MAX_ARGS];
    strcpy(copy, line);
    int argc = shell_split(copy, argv, MAX_ARGS);
    if (argc < 0) { // more than MAX_ARGS words
        unsigned n = 0;
        for (const char *s = line; *s;) {
            while (*s == ' ')
                s++;
            n += *s != 0;
            while (*s && *s != ' ')
                s++;
        }
        FUZZ_CHECK(n > MAX_ARGS, "refused with %u words", n);
        return;
    }
    for (int i = 0; i < argc; i++)
        FUZZ_CHECK(argv[i][0] && !strchr(argv[i], ' '), "word '%s'", argv[i]);
    FUZZ_CHECK(shell_join(argc, argv, joined, sizeof(joined)), "the words do not fit again");
    // The line with its spaces squeezed, as the words say.
    char squeezed[LINE_MAX + 1];
    size_t n = 0;
    for (const char *s = line; *s; s++) {
        if (*s != ' ' || (n > 0 && squeezed[n - 1] != ' '))
            squeezed[n++] = *s;
    }
    while (n > 0 && squeezed[n - 1] == ' ')
        n--;
    squeezed[n] = 0;
    FUZZ_CHECK(!strcmp(joined, squeezed), "joined '%s', squeezed '%s'", joined, squeezed);
    // Numbers: accepted exactly when decimal digits within the limit,
    // with their value (a model that saturates instead of overflowing).
    for (int i = 0; i < argc; i++) {
        uint64_t v = 0, model = 0;
        bool digits = argv[i][0] != 0;
        for (const char *s = argv[i]; *s && digits; s++) {
            digits = *s >= '0' && *s <= '9';
            model = model > 1000 ? 1001 : model * 10 + (uint64_t)(*s - '0');
        }
        bool ok = shell_parse_num(argv[i], 1000, &v);
        FUZZ_CHECK(ok == (digits && model <= 1000), "'%s': %s", argv[i], ok ? "read" : "refused");
        FUZZ_CHECK(!ok || v == model, "'%s' read as %lu", argv[i], (unsigned long)v);
    }
    // run's options: what they take off, and what they set.
    int ac = argc;
    char **av = argv, why[160] = "";
    unsigned core = 99;
    struct proc_limits l;
    bool ok = shell_run_options(&ac, &av, 7, &core, &l, why, sizeof(why));
    FUZZ_CHECK(ac <= argc && (argc - ac) % 2 == 0 && av == argv + (argc - ac), "took %d words",
               argc - ac);
    if (ok) {
        FUZZ_CHECK(core == 99 || core <= 7, "core %u", core);
        for (int i = 1; i < argc - ac; i += 2) // each option it took names a limit or -c
            FUZZ_CHECK(!strcmp(argv[i], "-c") || limit_by_name(argv[i] + 2) != LIMIT_COUNT,
                       "took '%s'", argv[i]);
        FUZZ_CHECK(ac < 2 || strncmp(av[1], "--", 2), "stopped before '%s'", av[1]);
    } else {
        FUZZ_CHECK(why[0] && strlen(why) < sizeof(why), "no reason given");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct lines typed;
    type(data, size, &typed);
    for (unsigned i = 0; i < typed.n; i++) {
        if (typed.len[i] >= 0)
            words(typed.line[i]);
    }
    return 0;
}
