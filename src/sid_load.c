/* sid_load.c - load a session-id callback from a shared object. */
#include <dlfcn.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

ta_status ta_sid_cb_load(const char *path, const char *symbol, ta_sid_cb *out)
{
    char full[1024];
    void *h;

    TA_ENSURE(path != NULL && symbol != NULL && out != NULL, TA_E_ARG,
              "ta_sid_cb_load: NULL argument");
    *out = NULL;
    TA_ENSURE(access(path, R_OK) == 0, TA_E_LOAD,
              "cannot read '%s': no such file or no permission", path);
    /* A name without a slash would send dlopen to the library search path. */
    snprintf(full, sizeof(full), "%s%s", strchr(path, '/') ? "" : "./", path);
    h = dlopen(full, RTLD_NOW | RTLD_LOCAL);
    TA_ENSURE(h != NULL, TA_E_LOAD, "cannot load '%s': %s", path, dlerror());
    *(void **)out = dlsym(h, symbol);
    if (*out == NULL) {
        dlclose(h);
        TA_BAIL(TA_E_LOAD, "'%s' has no symbol '%s'", path, symbol);
    }
    return TA_OK; /* the handle stays open: the callback lives as long as the process */
}
