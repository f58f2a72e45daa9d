/*
 * test_cli_options.c - the option tables (tools/cli_tables.c) against what a
 * user meets: every row is in --help and in the generated tlsaudit(1), which
 * 'cmake --install' installs; the parsing rules (decimal numbers only, a value
 * is never an option, no option twice, --depth needs --exhaustive, ranges for
 * every command including demo, escaped terminal output), each violation one
 * line "tlsaudit CMD: ...; see 'tlsaudit CMD --help'" and exit 2; reports
 * (stdout holds only the report, one '-' at most, a failed write is exit 2,
 * no temporary file left behind, a report path that is the --lib file is
 * refused); and --lib NAME without a slash as a path in the current directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "tlsaudit.h"
#include "cli_run.h"
#include "cli_opts.h"

static ta_run r;
static char dir[] = "/tmp/ta-cli-opts-XXXXXX";

static char *slurp(const char *path)
{
    static char buf[1 << 20];
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return buf;
}

/* One line on stderr in the usage form, nothing on stdout, exit 2. */
static void assert_usage_line(const char *cmd, const char *args, const char *says)
{
    char want[64];
    snprintf(want, sizeof(want), "; see 'tlsaudit %s --help'\n", cmd);
    if (r.status != 2 || ta_run_lines(r.err) != 1 || strstr(r.err, says) == NULL
        || strstr(r.err, want) == NULL || r.out[0] != '\0')
        fail_msg("'%s %s': exit %d, stderr '%s', stdout '%.200s' (wanted '%s')", cmd, args,
                 r.status, r.err, r.out, says);
}

/* python3 is how these tests validate JSON; without it they skip, never pass. */
static void need_python(void)
{
    if (system("python3 -c 'import json, xml.dom.minidom' >/dev/null 2>&1") != 0)
        skip();
}

/* 0 when file holds exactly one JSON document (json) or XML document (xml). */
static int valid(const char *kind, const char *file)
{
    char cmd[2000];
    snprintf(cmd, sizeof(cmd),
             strcmp(kind, "json") == 0
                 ? "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '%s' 2>/dev/null"
                 : "python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' "
                   "'%s' 2>/dev/null",
             file);
    return system(cmd);
}

/* ------------------------------------------------------------ tables vs docs */

static void help_lists_every_option(void **state)
{
    size_t n;
    const ta_optset *const *sets = ta_cli_optsets(&n);
    (void)state;
    assert_true(n >= 6);
    for (size_t i = 0; i < n; i++) {
        ta_run_cli(&r, "%s --help", sets[i]->name);
        assert_int_equal(r.status, 0);
        for (size_t k = 0; k < sets[i]->n; k++) {
            const ta_opt *o = &sets[i]->opts[k];
            if (o->name != NULL && strstr(r.out, o->name) == NULL)
                fail_msg("'%s --help' does not list %s", sets[i]->name, o->name);
            char key[64];
            snprintf(key, sizeof(key), " %s ", o->gate_key ? o->gate_key : "");
            if (o->gate_key != NULL && strstr(r.out, "gate key: ") == NULL)
                fail_msg("'%s --help' does not name gate keys", sets[i]->name);
        }
    }
    /* gate --help lists every key of every line kind. */
    ta_run_cli(&r, "gate --help");
    assert_int_equal(r.status, 0);
    for (int kind = 0; ta_gate_line_optset(kind) != NULL; kind++) {
        const ta_optset *set = ta_gate_line_optset(kind);
        for (size_t k = 0; k < set->n; k++) {
            char want[96];
            if (set->opts[k].gate_key == NULL)
                continue;
            snprintf(want, sizeof(want), "  %-8s %-11s ", set->name, set->opts[k].gate_key);
            if (strstr(r.out, want) == NULL)
                fail_msg("'gate --help' does not list %s key %s", set->name, set->opts[k].gate_key);
        }
    }
}

/* "--bucket-n" as roff writes it: "\-\-bucket\-n". */
static const char *roff(const char *s)
{
    static char buf[128];
    size_t n = 0;
    for (; *s && n + 3 < sizeof(buf); s++) {
        if (*s == '-')
            buf[n++] = '\\';
        buf[n++] = *s;
    }
    buf[n] = '\0';
    return buf;
}

static void check_man(const char *page)
{
    size_t n;
    const ta_optset *const *sets = ta_cli_optsets(&n);
    char want[160];
    assert_non_null(strstr(page, ".TH TLSAUDIT 1"));
    for (size_t i = 0; i < n; i++) {
        snprintf(want, sizeof(want), ".SS %s\n", sets[i]->name);
        if (strstr(page, want) == NULL)
            fail_msg("the man page has no section for %s", sets[i]->name);
        const char *sec = strstr(page, want), *next = strstr(sec + 4, ".SS ");
        for (size_t k = 0; k < sets[i]->n; k++) {
            if (sets[i]->opts[k].name == NULL)
                continue;
            snprintf(want, sizeof(want), "\\fB%s\\fR", roff(sets[i]->opts[k].name));
            const char *at = strstr(sec, want);
            if (at == NULL || (next != NULL && at > next))
                fail_msg("the man page's %s section lacks %s", sets[i]->name,
                         sets[i]->opts[k].name);
        }
    }
    const char *gate = strstr(page, ".SH GATE CONFIGURATION");
    assert_non_null(gate);
    for (int kind = 0; ta_gate_line_optset(kind) != NULL; kind++) {
        const ta_optset *set = ta_gate_line_optset(kind);
        snprintf(want, sizeof(want), ".SS %s lines\n", set->name);
        const char *sec = strstr(gate, want);
        if (sec == NULL)
            fail_msg("the man page has no gate section for %s lines", set->name);
        for (size_t k = 0; k < set->n; k++) {
            if (set->opts[k].gate_key == NULL)
                continue;
            snprintf(want, sizeof(want), "\\fB%s\\fR=", roff(set->opts[k].gate_key));
            if (strstr(sec, want) == NULL)
                fail_msg("the man page's %s lines lack key %s", set->name, set->opts[k].gate_key);
        }
    }
}

static void man_page_lists_every_option(void **state)
{
    static char page[1 << 20];
    (void)state;
    snprintf(page, sizeof(page), "%s", slurp(TA_MAN_PAGE));
    if (page[0] == '\0')
        fail_msg("the build wrote no %s", TA_MAN_PAGE);
    check_man(page);
    /* The page the build installed is what 'tlsaudit man' prints now. */
    ta_run_cli(&r, "man");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, page);
}

static void install_puts_the_man_page_in_man1(void **state)
{
    char cmd[1200], path[700];
    (void)state;
    snprintf(cmd, sizeof(cmd), "'%s' --install '%s' --prefix '%s/prefix' >/dev/null 2>&1",
             TA_CMAKE_COMMAND, TA_BUILD_DIR, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof(path), "%s/prefix/share/man/man1/tlsaudit.1", dir);
    check_man(slurp(path));
}

/* ------------------------------------------------------------ parsing rules */

typedef struct bad {
    const char *cmd, *args, *says;
} bad;

static const bad bads[] = {
    /* decimal only: hex, octal prefixes, signs, exponents, spaces */
    {"sid", "--builtin constant --ids 0x10", "--ids takes a decimal number"},
    {"sid", "--builtin constant --ids 0o7", "--ids takes a decimal number"},
    {"sid", "--builtin constant --ids +5", "--ids takes a decimal number"},
    {"sid", "--builtin constant --ids 1e3", "--ids takes a decimal number"},
    {"sid", "--builtin constant --ids ' 5'", "--ids takes a decimal number"},
    {"sid", "--builtin constant --seed -1", "--seed takes a decimal number"},
    {"sid", "--builtin constant --seed 18446744073709551616", "--seed takes a decimal number"},
    {"sid", "--builtin constant --timeout 0x1", "--timeout takes decimal seconds"},
    {"sid", "--builtin constant --timeout inf", "--timeout takes decimal seconds"},
    {"sid", "--builtin constant --timeout 0", "--timeout takes decimal seconds"},
    {"shutdown", "--builtin drain --timeout 1e1", "--timeout takes decimal seconds"},
    {"shutdown", "--builtin drain --seed 0x1", "--seed takes a decimal number"},
    {"shutdown", "--builtin drain --exhaustive --depth 013", "--depth must be 1..12"}, /* not 11 */
    {"selfcheck", "--seed 0x10", "--seed takes a decimal number"},
    /* a value is never an option */
    {"sid", "--builtin constant --json --quiet",
     "--json needs a value (FILE|-), not the "
     "option '--quiet'"},
    {"shutdown", "--builtin --quiet", "--builtin needs a value"},
    {"gate", "--config --strict", "--config needs a value"},
    /* no option twice */
    {"sid", "--builtin constant --quiet --quiet", "--quiet is given twice"},
    {"sid", "--builtin constant --ids 5 --ids 6", "--ids is given twice"},
    {"shutdown", "--builtin drain --exhaustive --exhaustive", "--exhaustive is given twice"},
    {"demo", "--skip-sid --skip-sid", "--skip-sid is given twice"},
    {"gate", "--config a --config b", "--config is given twice"},
    /* --depth needs --exhaustive */
    {"shutdown", "--builtin drain --depth 3", "--depth goes with --exhaustive"},
    /* demo's ranges */
    {"demo", "--ids 0", "--ids must be 1..100000000"},
    {"demo", "--ids 100000001", "--ids must be 1..100000000"},
    {"demo", "--seed x", "--seed takes a decimal number"},
    {"demo", "extra", "unexpected argument 'extra'"},
    /* --mem-limit */
    {"sid", "--builtin constant --mem-limit 1048577", "--mem-limit must be 0..1048576"},
    {"shutdown", "--builtin drain --mem-limit lots", "--mem-limit takes a decimal number"},
    /* reports: one '-' at most */
    {"sid", "--builtin constant --json - --sarif -", "only one report can go to stdout"},
    {"shutdown", "--builtin drain --html - --json -", "only one report can go to stdout"},
    /* modes are a choice */
    {"shutdown", "--builtin drain --mode rsa", "--mode takes one of cert|psk|resume"},
};

static void parsing_rules(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        ta_run_cli(&r, "%s %s", bads[i].cmd, bads[i].args);
        assert_usage_line(bads[i].cmd, bads[i].args, bads[i].says);
    }
}

/* "010" is ten, never eight: the audit reports ten ids. */
static void leading_zero_is_decimal(void **state)
{
    (void)state;
    ta_run_cli(&r, "sid --builtin constant --ids 010 --only SID-DUPLICATE --quiet --json -");
    assert_int_equal(r.status, 1);
    if (strstr(r.out, "of 10 successful ids") == NULL)
        fail_msg("--ids 010 was not ten: %.300s", r.out);
}

/* What the terminal gets is escaped: a name with control bytes arrives as \xNN. */
static void terminal_output_is_escaped(void **state)
{
    (void)state;
    ta_run_cli(&r, "sid --builtin \"$(printf 'x\\033[2Jy')\"");
    assert_usage_line("sid", "--builtin ESC", "no built-in callback 'x\\x1b[2Jy'");
    assert_null(strchr(r.err, '\033'));
    ta_run_cli(&r, "shutdown --builtin \"$(printf 'a\\tb\\377')\"");
    assert_usage_line("shutdown", "--builtin TAB", "'a\\x09b\\xff'");
}

/* ------------------------------------------------------------ reports */

static void stdout_holds_only_the_report(void **state)
{
    static const struct {
        const char *args, *kind;
    } cases[] = {
        {"sid --builtin constant --ids 300 --json -", "json"},
        {"sid --builtin constant --ids 300 --sarif - --json %s/a.json", "json"},
        {"sid --builtin constant --ids 300 --junit -", "xml"},
        {"shutdown --builtin naive --json -", "json"},
        {"shutdown --builtin naive --sarif -", "json"},
        {"shutdown --builtin naive --junit - --html %s/a.html", "xml"},
        {"shutdown --builtin drain --exhaustive --depth 2 --json -", "json"},
    };
    char out[700], args[700];
    (void)state;
    need_python();
    snprintf(out, sizeof(out), "%s/stdout", dir);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(args, sizeof(args), cases[i].args, dir);
        ta_run_cli(&r, "%s", args);
        if (r.status != 0 && r.status != 1)
            fail_msg("'%s' exited %d: %s", args, r.status, r.err);
        FILE *f = fopen(out, "w");
        assert_non_null(f);
        fputs(r.out, f);
        fclose(f);
        if (valid(cases[i].kind, out) != 0)
            fail_msg("'%s': stdout is not one %s document: %.300s", args, cases[i].kind, r.out);
    }
}

static void failed_writes_are_one_line_exit_2(void **state)
{
    (void)state;
    ta_run_cli(&r, "sid --builtin constant --ids 300 --json /nonexistent/dir/r.json");
    assert_int_equal(r.status, 2);
    assert_int_equal(ta_run_lines(r.err), 1);
    assert_non_null(strstr(r.err, "cannot write the json report '/nonexistent/dir/r.json'"));
    /* stdout that cannot be written */
    ta_run_cli(&r, "sid --builtin constant --ids 300 --json - >/dev/full");
    assert_int_equal(r.status, 2);
    assert_int_equal(ta_run_lines(r.err), 1);
    assert_non_null(strstr(r.err, "writing the json report to stdout failed"));
    ta_run_cli(&r, "shutdown --builtin drain --only tls13/client/peer-replies/* "
                   "--html /nonexistent/x.html");
    assert_int_equal(r.status, 2);
    assert_int_equal(ta_run_lines(r.err), 1);
    assert_non_null(strstr(r.err, "cannot write the html report"));
}

/* Reports appear whole under their name: the run leaves nothing else behind and
 * replaces an earlier report. */
static void reports_are_renamed_into_place(void **state)
{
    char sub[700], path[800];
    (void)state;
    need_python();
    snprintf(sub, sizeof(sub), "%s/atomic", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    snprintf(path, sizeof(path), "%s/r.json", sub);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"old\":", f); /* a half report from an earlier, killed run */
    fclose(f);
    ta_run_cli(&r, "shutdown --builtin drain --quiet --json '%s' --junit '%s/r.xml'", path, sub);
    assert_int_equal(r.status, 0);
    assert_int_equal(valid("json", path), 0);
    DIR *d = opendir(sub);
    assert_non_null(d);
    int files = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || strcmp(e->d_name, "..") == 0))
            continue;
        if (strcmp(e->d_name, "r.json") != 0 && strcmp(e->d_name, "r.xml") != 0)
            fail_msg("left behind: %s", e->d_name);
        files++;
    }
    closedir(d);
    assert_int_equal(files, 2);
}

/* A report path that is the library under test is refused before anything runs,
 * however it is spelled. The library is a copy: a failure must not clobber the
 * build's. */
static void report_over_the_lib_is_refused(void **state)
{
    char cmd[1500], so[700];
    (void)state;
    snprintf(so, sizeof(so), "%s/drv.so", dir);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && ln -sf drv.so '%s/link.so'", TA_SD_EXAMPLES_SO, so,
             dir);
    assert_int_equal(system(cmd), 0);
    ta_run_cli(&r, "shutdown --lib '%s' --symbol sd_example_drain --json '%s/../%s/drv.so'", so,
               dir, strrchr(dir, '/') + 1);
    assert_usage_line("shutdown", "--json LIB", "is the library under test");
    ta_run_cli(&r, "shutdown --lib '%s' --symbol sd_example_drain --html '%s/link.so'", so, dir);
    assert_usage_line("shutdown", "--html LINK", "is the library under test");
    ta_run_cli_in(&r, dir, "sid --lib drv.so --symbol f --sarif ./drv.so");
    assert_usage_line("sid", "--sarif LIB", "is the library under test");
    snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", TA_SD_EXAMPLES_SO, so);
    assert_int_equal(system(cmd), 0); /* untouched */
}

/* --lib NAME without a slash is ./NAME, never a search of the library path. */
static void lib_name_without_slash_is_a_path(void **state)
{
    char sodir[700];
    (void)state;
    snprintf(sodir, sizeof(sodir), "%s", TA_SD_EXAMPLES_SO);
    *strrchr(sodir, '/') = '\0';
    static const char *const cmds[] = {"shutdown", "sid"};
    for (size_t i = 0; i < 2; i++) {
        /* The library path holds an object of that name: it must not be found. */
        ta_run_cli_in(&r, dir,
                      "--version >/dev/null && LD_LIBRARY_PATH='%s' '%s' %s --lib "
                      "sd_examples.so --symbol sd_example_drain",
                      sodir, getenv("TLSAUDIT_BIN"), cmds[i]);
        assert_usage_line(cmds[i], "--lib sd_examples.so", "cannot read './sd_examples.so'");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(help_lists_every_option),
        cmocka_unit_test(man_page_lists_every_option),
        cmocka_unit_test(install_puts_the_man_page_in_man1),
        cmocka_unit_test(parsing_rules),
        cmocka_unit_test(leading_zero_is_decimal),
        cmocka_unit_test(terminal_output_is_escaped),
        cmocka_unit_test(stdout_holds_only_the_report),
        cmocka_unit_test(failed_writes_are_one_line_exit_2),
        cmocka_unit_test(reports_are_renamed_into_place),
        cmocka_unit_test(report_over_the_lib_is_refused),
        cmocka_unit_test(lib_name_without_slash_is_a_path),
    };
    if (mkdtemp(dir) == NULL)
        return 1;
    int rc = cmocka_run_group_tests_name("cli_options", tests, NULL, NULL);
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        rc = rc ? rc : 1;
    return rc;
}
