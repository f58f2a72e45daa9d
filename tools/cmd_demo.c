/* cmd_demo.c - 'tlsaudit demo': the main job on the built-in examples. */
#include "cli.h"

void ta_cmd_demo_help(FILE *out)
{
    fprintf(out, "usage: tlsaudit demo\n"
                 "Checks the memory-BIO pair in every version and mode (tlsaudit selfcheck).\n");
}

int ta_cmd_demo(int argc, char **argv)
{
    char *sc_argv[] = {"selfcheck", NULL};
    if (argc > 1)
        return ta_cli_usage_error("demo", "unknown option '%s'", argv[1]);
    return ta_cmd_selfcheck(1, sc_argv);
}
