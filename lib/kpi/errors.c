/* lib/kpi/errors.c: names and messages of the error table, for every world. */
#include <kpi/errors.h>

static const char *const names[] = {
#define ERR(name, msg) [name] = #name,
#include <kpi/errors.def>
#undef ERR
};

static const char *const messages[] = {
#define ERR(name, msg) [name] = msg,
#include <kpi/errors.def>
#undef ERR
};

const char *err_name(errval_t err)
{
    unsigned code = err_no(err);
    return code < ERR_CODE_COUNT ? names[code] : "?";
}

const char *err_msg(errval_t err)
{
    unsigned code = err_no(err);
    return code < ERR_CODE_COUNT ? messages[code] : "unknown error code";
}
