/* cmd_list.c - 'tlsaudit list': the built-in catalog, rules and scenarios. */
#include <string.h>

#include "cli.h"

void ta_cmd_list_help(FILE *out)
{
    ta_opt_help(out, &ta_list_optset);
}

static void ta_list_callbacks(void)
{
    size_t n;
    const ta_sid_builtin *cat = ta_sid_catalog(&n);

    printf("session-id callbacks (tlsaudit sid --builtin NAME):\n");
    for (size_t i = 0; i < n; i++)
        printf("  %-22s %s\n  %-22s expected: %s\n", cat[i].name, cat[i].summary, "",
               cat[i].expected_rules[0] ? cat[i].expected_rules : "no error or warning");
}

static void ta_list_drivers(void)
{
    size_t n;
    const ta_sd_driver *cat = ta_sd_catalog(&n);

    printf("shutdown drivers (tlsaudit shutdown --builtin NAME):\n");
    for (size_t i = 0; i < n; i++) {
        printf("  %-16s %s%s\n", cat[i].name, (cat[i].flags & TA_SD_CANARY) ? "[canary] " : "",
               cat[i].summary);
        if ((cat[i].flags & TA_SD_CANARY) && cat[i].caught_by && cat[i].caught_by[0])
            printf("  %-16s caught by: %s\n", "", cat[i].caught_by);
    }
}

static void ta_list_rules(void)
{
    size_t n;
    const ta_sid_rule_info *sid = ta_sid_rule_table(&n);

    printf("rules of 'tlsaudit sid':\n");
    for (size_t i = 0; i < n; i++)
        printf("  %-26s %-7s %s\n", sid[i].id, ta_severity_name(sid[i].severity), sid[i].help);
    const ta_sd_rule_info *sd = ta_sd_rule_table(&n);
    printf("rules of 'tlsaudit shutdown':\n");
    for (size_t i = 0; i < n; i++)
        printf("  %-26s %-7s %s%s%s%s\n", sd[i].id, ta_severity_name(sd[i].severity), sd[i].help,
               sd[i].source[0] ? " [" : "", sd[i].source, sd[i].source[0] ? "]" : "");
}

static void ta_list_scenarios(void)
{
    size_t n;
    const ta_sd_scenario *sc = ta_sd_scenario_table(&n);

    printf("shutdown scenarios (tlsaudit shutdown --only 'tls13/*/NAME/*'):\n");
    for (size_t i = 0; i < n; i++)
        printf("  %-22s %s [%s]\n", sc[i].name, sc[i].description, sc[i].source);
    const ta_sd_remote_scenario *rs = ta_sd_remote_scenario_table(&n);
    for (int f = 0; f < TA_SD_FORM_COUNT; f++) {
        static const char *const how[] = {
            "a live server (tlsaudit shutdown --connect HOST:PORT [--http])",
            "a live client (tlsaudit shutdown --client 'CMD {port}')",
            "a shim (tlsaudit shutdown --shim CMD)"};
        printf("\nscenarios for %s, each TLS 1.2 and 1.3 unless marked:\n", how[f]);
        for (size_t i = 0; i < n; i++)
            if (rs[i].forms & (1u << f))
                printf("  %-22s %s%s%s [%s]\n", rs[i].name, rs[i].description,
                       rs[i].http ? " (--http only)" : "",
                       rs[i].versions == (1u << TA_TLS13) ? " (TLS 1.3 only)" : "", rs[i].source);
    }
}

int ta_cmd_list(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } parts[] = {
        {"callbacks", ta_list_callbacks},
        {"drivers", ta_list_drivers},
        {"rules", ta_list_rules},
        {"scenarios", ta_list_scenarios},
    };
    const size_t nparts = sizeof(parts) / sizeof(parts[0]);

    if (argc > 2)
        return ta_cli_usage_error("list", "takes at most one argument, got '%s'", argv[2]);
    if (argc == 2 && argv[1][0] == '-')
        return ta_cli_usage_error("list", "unknown option '%s'", argv[1]);
    for (size_t i = 0; i < nparts; i++) {
        if (argc == 2 && strcmp(argv[1], parts[i].name) != 0)
            continue;
        if (argc == 1 && i > 0)
            printf("\n");
        parts[i].fn();
        if (argc == 2)
            return TA_EXIT_OK;
    }
    if (argc == 2)
        return ta_cli_usage_error("list",
                                  "unknown part '%s' (callbacks, drivers, rules, "
                                  "scenarios)",
                                  argv[1]);
    return TA_EXIT_OK;
}
