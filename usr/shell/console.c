/*
 * usr/shell/console.c: the shell's console input, and waiting for a
 * foreground program while still reading it.
 *
 * The shell drives COM1's input itself (drivers/serial): the UART's
 * interrupt is a notification on the shell's own endpoint. While a program
 * runs in the foreground, the shell waits on that endpoint for either the
 * UART or the end of the program (init signals a watch cap on the same
 * endpoint, with another badge bit), so Ctrl-C and Ctrl-Z reach it there.
 * Anything else typed meanwhile is kept as type-ahead for the next line.
 */
#include "shell.h"
#include <serial/serial.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/initsvc.h>
#include <sys/irq.h>
#include <sys/lmp.h>
#include <sys/rpc.h>
#include <sys/slot.h>
#include <sys/sys.h>

#define COM1 0x3f8

// Badge bits of the notifications on our endpoint.
#define NOTE_UART  (1ull << 0)
#define NOTE_CHILD (1ull << 1) // a watched foreground program ended

// Bytes read from the UART and not yet taken by readline: what follows
// the Enter of a command waits here, where the wait for a foreground
// program looks for Ctrl-C and Ctrl-Z (stdin's buffer would hide them, so
// readline is given one byte at a time).
#define TYPEAHEAD 512 // more is dropped, but for Ctrl-C and Ctrl-Z

static struct serial uart;
static char typeahead[TYPEAHEAD];
static size_t typeahead_len;

static bool is_signal_key(char c) { return c == KEY_CTRL_C || c == KEY_CTRL_Z; }

// Move what the UART holds into the type-ahead. When it is full, a byte is
// dropped, but Ctrl-C and Ctrl-Z take the last place, so they still count.
static void drain(void)
{
    char c;
    while (serial_poll(&uart, &c, 1)) {
        if (typeahead_len < TYPEAHEAD)
            typeahead[typeahead_len++] = c;
        else if (is_signal_key(c))
            typeahead[TYPEAHEAD - 1] = c;
    }
}

// Wait for a notification on our endpoint; false if we cannot wait.
static bool wait_note(uint64_t *bits)
{
    struct lmp_recv_msg m;
    if (err_is_fail(lmp_recv(cap_selfep, 0, NULL_CAP, &m)))
        return false;
    *bits = m.flags & LMP_RECV_NOTIFY ? m.badge : 0; // a message is no one's: ignored
    if (*bits & NOTE_UART)
        // a failed unmask shows as no more input: nothing better to do
        err_ignore(serial_ack(&uart), "the next interrupt acknowledges again");
    return true;
}

// The console reader (sys_set_console_reader): one byte, waiting for it.
static size_t console_read(char *buf, size_t len)
{
    uint64_t bits;
    do {
        drain();
        if (typeahead_len && len) {
            buf[0] = typeahead[0];
            memmove(typeahead, typeahead + 1, --typeahead_len);
            return 1;
        }
    } while (wait_note(&bits));
    return 0;
}

errval_t console_init(void)
{
    capref_t note;
    errval_t err = notify_cap(cap_selfep, NOTE_UART, &note);
    if (err_is_ok(err))
        err = serial_init(&uart, COM1, cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_EXTRA0),
                          cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_EXTRA1),
                          cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_EXTRA2), cap_selfep, note);
    if (err_is_ok(err))
        sys_set_console_reader(console_read);
    return err;
}

// Look for Ctrl-C or Ctrl-Z in what was typed; Ctrl-C throws the
// type-ahead away, as a terminal does, Ctrl-Z is taken out of it.
static enum fg_end take_keys(void)
{
    drain();
    for (size_t i = 0; i < typeahead_len; i++) {
        if (typeahead[i] == KEY_CTRL_C) {
            typeahead_len = 0;
            return FG_INTERRUPTED;
        }
        if (typeahead[i] == KEY_CTRL_Z) {
            memmove(typeahead + i, typeahead + i + 1, --typeahead_len - i);
            return FG_DETACHED;
        }
    }
    return FG_ENDED; // nothing decisive typed
}

static bool ended(uint64_t pid)
{
    uint32_t state;
    uint64_t status;
    return err_is_fail(proc_status(pid, &state, &status)) || state != PROC_RUNNING;
}

enum fg_end console_wait(uint64_t pid)
{
    capref_t note;
    errval_t err = notify_cap(cap_selfep, NOTE_CHILD, &note);
    if (err_is_ok(err)) {
        err = proc_watch(pid, note); // init keeps a copy; it ended already: PROC_ERR_NO_SUCH
        cap_destroy(note);
    }
    // It ended already, or cannot be watched: the caller's proc_wait tells.
    if (err_is_fail(err))
        return FG_ENDED;
    uint64_t bits = NOTE_UART; // look at what was typed before the watch too
    do {
        enum fg_end key = bits & NOTE_UART ? take_keys() : FG_ENDED;
        if (key != FG_ENDED)
            return key;
        // A detached program's watch signals the same bit when it ends.
        if ((bits & NOTE_CHILD) && ended(pid))
            return FG_ENDED;
    } while (wait_note(&bits));
    return FG_ENDED;
}
