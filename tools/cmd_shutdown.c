/* cmd_shutdown.c - 'tlsaudit shutdown' (not built yet). */
#include "cli.h"

void ta_cmd_shutdown_help(FILE *out)
{
    fprintf(out, "usage: tlsaudit shutdown [options]\n(not built yet)\n");
}

int ta_cmd_shutdown(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "tlsaudit shutdown: not built yet in this version; run 'tlsaudit selfcheck'\n");
    return TA_EXIT_USAGE;
}
