/* cmd_sid.c - 'tlsaudit sid' (not built yet). */
#include "cli.h"

void ta_cmd_sid_help(FILE *out)
{
    fprintf(out, "usage: tlsaudit sid [options]\n(not built yet)\n");
}

int ta_cmd_sid(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "tlsaudit sid: not built yet in this version; run 'tlsaudit selfcheck'\n");
    return TA_EXIT_USAGE;
}
