/* cmd_list.c - 'tlsaudit list' (not built yet). */
#include "cli.h"

void ta_cmd_list_help(FILE *out)
{
    fprintf(out, "usage: tlsaudit list [options]\n(not built yet)\n");
}

int ta_cmd_list(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "tlsaudit list: not built yet in this version; run 'tlsaudit selfcheck'\n");
    return TA_EXIT_USAGE;
}
