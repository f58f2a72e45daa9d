/*
 * cli_man.c - 'tlsaudit man': the tlsaudit(1) page in roff, written from the
 * option tables (cli_tables.c) that the parser, --help and the gate read, so
 * the page cannot drift from them. The build runs it into tlsaudit.1 and
 * 'cmake --install' installs that as share/man/man1/tlsaudit.1.
 */
#include <string.h>

#include "cli.h"

/* Text as roff: '-' as \-, '\' as \e, a line never starting with '.' or '\''. */
static void ta_man_text(FILE *out, const char *s)
{
    int bol = 1;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", out);
        bol = *s == '\n';
        if (*s == '-')
            fputs("\\-", out);
        else if (*s == '\\')
            fputs("\\e", out);
        else
            fputc(*s, out);
    }
}

static void ta_man_opt(FILE *out, const ta_opt *o, int gate)
{
    char rng[128];
    fputs(".TP\n\\fB", out);
    ta_man_text(out, gate ? o->gate_key : o->name);
    fputs("\\fR", out);
    if (o->type != TA_OPT_FLAG || gate) { /* a gate line's flag is KEY=1 too */
        fputs(gate ? "=\\fI" : " \\fI", out);
        ta_man_text(out, o->type == TA_OPT_FLAG ? "1" : o->arg);
        fputs("\\fR", out);
    }
    fputc('\n', out);
    ta_man_text(out, gate && o->name ? "as " : "");
    if (gate && o->name) {
        fputs("\\fB", out);
        ta_man_text(out, o->name);
        fputs("\\fR: ", out);
    }
    ta_man_text(out, o->help);
    ta_opt_range_text(o, gate, rng, sizeof(rng));
    if (rng[0]) {
        fputs(" (", out);
        ta_man_text(out, rng);
        fputc(')', out);
    }
    fputc('\n', out);
    if (!gate && o->gate_key != NULL) {
        fputs(".br\nGate key: \\fB", out);
        ta_man_text(out, o->gate_key);
        fputs("\\fR.\n", out);
    }
}

int ta_cmd_man(int argc, char **argv)
{
    size_t n;
    const ta_optset *const *sets = ta_cli_optsets(&n);
    FILE *out = stdout;

    (void)argv;
    if (argc > 1)
        return ta_cli_usage_error("man", "takes no arguments");
    fprintf(out, ".TH TLSAUDIT 1 \"\" \"tlsaudit %s\" \"User Commands\"\n", TA_VERSION_STRING);
    fputs(".SH NAME\ntlsaudit \\- audit OpenSSL session\\-id callbacks and shutdown "
          "procedures\n.SH SYNOPSIS\n",
          out);
    for (size_t i = 0; i < n; i++) {
        fputs(".B tlsaudit\n", out);
        ta_man_text(out, sets[i]->name);
        fputc(' ', out);
        ta_man_text(out, sets[i]->synopsis);
        fputs("\n.br\n", out);
    }
    fputs(".SH COMMANDS\n", out);
    for (size_t i = 0; i < n; i++) {
        fputs(".SS ", out);
        ta_man_text(out, sets[i]->name);
        fputs("\n", out);
        ta_man_text(out, sets[i]->about);
        fputc('\n', out);
        for (size_t k = 0; k < sets[i]->n; k++)
            if (sets[i]->opts[k].name != NULL)
                ta_man_opt(out, &sets[i]->opts[k], 0);
    }
    fputs(".SH GATE CONFIGURATION\nOne directive per line; \\(aq#\\(aq starts a comment. "
          "Lines of the kinds below take KEY=VALUE options, with the types and ranges of "
          "the command-line options they stand for; any other key, or a value out of "
          "range, is an error naming the file and line, and nothing runs.\n",
          out);
    for (int kind = 0; ta_gate_line_optset(kind) != NULL; kind++) {
        const ta_optset *set = ta_gate_line_optset(kind);
        fputs(".SS ", out);
        ta_man_text(out, set->name);
        fputs(" lines\n", out);
        for (size_t k = 0; k < set->n; k++)
            if (set->opts[k].gate_key != NULL)
                ta_man_opt(out, &set->opts[k], 1);
    }
    fputs(".SS accept and report lines\n.nf\naccept RULE SUBJECT reason=\"why\"\n"
          "report junit|sarif|json FILE\n.fi\n",
          out);
    fputs(".SH EXIT STATUS\n.TP\n0\nno finding\n.TP\n1\nfindings, or an incomplete "
          "audit\n.TP\n2\nusage, configuration or load error: one line on stderr says what "
          "is wrong\n.SH SEE ALSO\nREADME.md in the source tree.\n",
          out);
    return fflush(out) == 0 && !ferror(out) ? TA_EXIT_OK : TA_EXIT_USAGE;
}
