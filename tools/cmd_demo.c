/* cmd_demo.c - 'tlsaudit demo' (not built yet). */
#include "cli.h"

void ta_cmd_demo_help(FILE *out)
{
    fprintf(out, "usage: tlsaudit demo [options]\n(not built yet)\n");
}

int ta_cmd_demo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "tlsaudit demo: not built yet in this version; run 'tlsaudit selfcheck'\n");
    return TA_EXIT_USAGE;
}
