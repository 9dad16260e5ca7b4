/* usr/init/names.c: the name service: services register an endpoint under a
 * name; a lookup gets a bind cap to it badged with the caller's pid. */
#include "init.h"
#include <string.h>
#include <sys/capops.h>
#include <sys/slot.h>

#define MAX_NAMES      64
#define NAMES_PER_PROC 8 // so that no one process can take the whole table

struct name {
    char name[NAME_MAX_LEN + 1];
    capref_t ep; // unbadged send cap to the service's endpoint
    uint64_t owner;
};
static struct name names[MAX_NAMES];

// The name in the shared page, checked: 1..NAME_MAX_LEN printable characters.
static MUST_CHECK errval_t get_name(const struct server_req *req, char *out)
{
    const char *buf = req->chan->buf;
    if (!buf)
        return SYS_ERR_INVALID_ARGS;
    size_t n = strnlen(buf, NAME_MAX_LEN + 1);
    if (n == 0 || n > NAME_MAX_LEN)
        return NAME_ERR_BAD_NAME;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] <= ' ' || buf[i] > '~')
            return NAME_ERR_BAD_NAME;
    }
    memcpy(out, buf, n + 1);
    return SYS_ERR_OK;
}

// The entry for s. An entry whose service has gone (its endpoint was
// reclaimed with it, emptying our slot) is dropped on the way.
static struct name *lookup(const char *s)
{
    for (unsigned i = 0; i < MAX_NAMES; i++) {
        struct cap_info ci;
        if (!names[i].ep || strcmp(names[i].name, s))
            continue;
        if (err_is_ok(cap_identify(names[i].ep, &ci)))
            return &names[i];
        slot_free(names[i].ep);
        names[i].ep = NULL_CAP;
    }
    return NULL;
}

bool names_has(const char *s) { return lookup(s) != NULL; }

static void op_register(struct server_req *req, struct server_resp *resp)
{
    char s[NAME_MAX_LEN + 1];
    struct cap_info ci;
    resp->err = get_name(req, s);
    if (err_is_ok(resp->err) && !req->cap)
        resp->err = SYS_ERR_INVALID_ARGS;
    if (err_is_ok(resp->err))
        resp->err = cap_identify(req->cap, &ci);
    // Unbadged, so that we can mint a badged copy for each client.
    if (err_is_ok(resp->err) && (ci.type != ObjType_Endpoint || ci.base != 0))
        resp->err = CAP_ERR_WRONG_TYPE;
    struct name *free_entry = NULL;
    for (unsigned i = 0; i < MAX_NAMES && !free_entry; i++)
        free_entry = names[i].ep ? NULL : &names[i];
    if (err_is_ok(resp->err) && lookup(s))
        resp->err = NAME_ERR_EXISTS;
    unsigned held = 0;
    for (unsigned i = 0; i < MAX_NAMES; i++)
        held += names[i].ep && names[i].owner == req->chan->pid;
    if (err_is_ok(resp->err) && held >= NAMES_PER_PROC)
        resp->err = NAME_ERR_TOO_MANY;
    if (err_is_ok(resp->err) && !free_entry)
        resp->err = SYS_ERR_NO_MEMORY;
    if (err_is_fail(resp->err)) {
        if (req->cap)
            cap_destroy(req->cap);
        return;
    }
    strcpy(free_entry->name, s);
    free_entry->ep = req->cap;
    free_entry->owner = req->chan->pid;
}

static void op_lookup(struct server_req *req, struct server_resp *resp)
{
    char s[NAME_MAX_LEN + 1];
    resp->err = get_name(req, s);
    struct name *n = err_is_ok(resp->err) ? lookup(s) : NULL;
    if (err_is_ok(resp->err) && !n)
        resp->err = NAME_ERR_NOT_FOUND;
    capref_t bind = NULL_CAP;
    if (err_is_ok(resp->err))
        resp->err = slot_alloc(&bind);
    if (err_is_ok(resp->err))
        resp->err = cap_mint(bind, n->ep, CAP_RIGHT_WRITE | CAP_RIGHT_GRANT,
                             RPC_BADGE_BIND | req->chan->pid, 0);
    if (err_is_fail(resp->err)) {
        if (bind)
            slot_free(bind);
        return;
    }
    resp->cap = bind;
    resp->cap_drop = true;
}

void names_handle(struct server_req *req, struct server_resp *resp)
{
    if (req->op == INIT_NAME_REGISTER)
        op_register(req, resp);
    else
        op_lookup(req, resp);
    if (req->op != INIT_NAME_REGISTER && req->cap)
        cap_destroy(req->cap);
}
