/* lib/os/kv/t_list.c: list commands: LPUSH RPUSH LPOP RPOP LLEN LRANGE LINDEX. */
#include "kv_impl.h"

static void push(struct kv_ctx *x, bool left)
{
    struct kv_obj *o = kv_lookup_create(x, 1, KV_LIST);
    if (o == NULL)
        return;
    for (int i = 2; i < x->argc; i++)
        kv_list_push(&x->db->mem, o->list, kv_str_new(&x->db->mem, x->argv[i], x->lens[i]), left);
    x->db->dirty++;
    kv_reply_int(x->out, (int64_t)o->list->len);
}

KV_HANDLER(lpush) { push(x, true); }
KV_HANDLER(rpush) { push(x, false); }

// Without a count: one element or nil. With one: an array, or a nil
// array when the key does not exist (Redis 7).
static void pop(struct kv_ctx *x, bool left)
{
    int64_t count = 1;
    bool wrong;
    if (x->argc > 3)
        return kv_errf(x, "ERR wrong number of arguments for '%s' command", left ? "lpop" : "rpop");
    if (x->argc == 3 && !kv_arg_count(x, 2, &count))
        return;
    struct kv_obj *o = kv_lookup_type(x, 1, KV_LIST, &wrong);
    if (wrong)
        return;
    if (o == NULL)
        return x->argc == 3 ? kv_reply_nil_array(x->out) : kv_reply_nil(x->out);
    struct kv_list *l = o->list;
    if (x->argc == 3)
        kv_reply_array(x->out, count < (int64_t)l->len ? count : (int64_t)l->len);
    for (int64_t i = 0; i < count && l->len > 0; i++) {
        struct kv_str *s = kv_list_pop(l, left);
        kv_reply_str(x->out, s);
        kv_free(&x->db->mem, s);
        x->db->dirty++;
    }
    kv_delete_if_empty(x, 1, l->len);
}

KV_HANDLER(lpop) { pop(x, true); }
KV_HANDLER(rpop) { pop(x, false); }

KV_HANDLER(llen)
{
    bool wrong;
    struct kv_obj *o = kv_lookup_type(x, 1, KV_LIST, &wrong);
    if (!wrong)
        kv_reply_int(x->out, o ? (int64_t)o->list->len : 0);
}

// Redis's index ranges: negative counts from the end, both ends included,
// clamped to the list; *start > *end means empty.
void kv_clamp_range(int64_t len, int64_t *start, int64_t *end)
{
    if (*start < 0)
        *start += len;
    if (*end < 0)
        *end += len;
    if (*start < 0)
        *start = 0;
    if (*end >= len)
        *end = len - 1;
    if (*start >= len)
        *end = *start - 1;
}

KV_HANDLER(lrange)
{
    int64_t start, end;
    bool wrong;
    if (!kv_arg_i64(x, 2, &start) || !kv_arg_i64(x, 3, &end))
        return;
    struct kv_obj *o = kv_lookup_type(x, 1, KV_LIST, &wrong);
    if (wrong)
        return;
    if (o == NULL)
        return kv_reply_array(x->out, 0);
    kv_clamp_range((int64_t)o->list->len, &start, &end);
    kv_reply_array(x->out, start > end ? 0 : end - start + 1);
    for (int64_t i = start; i <= end; i++)
        kv_reply_str(x->out, kv_list_at(o->list, (size_t)i));
}

KV_HANDLER(lindex)
{
    int64_t i;
    bool wrong;
    if (!kv_arg_i64(x, 2, &i))
        return;
    struct kv_obj *o = kv_lookup_type(x, 1, KV_LIST, &wrong);
    if (wrong)
        return;
    if (o && i < 0)
        i += (int64_t)o->list->len;
    if (o == NULL || i < 0 || i >= (int64_t)o->list->len)
        return kv_reply_nil(x->out);
    kv_reply_str(x->out, kv_list_at(o->list, (size_t)i));
}
