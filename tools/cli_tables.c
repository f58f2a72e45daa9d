/*
 * cli_tables.c - the option table of every subcommand and gate line kind
 * (cli_opts.h says who reads them). A row's gate key is the name the gate
 * accepts in its lines; the gate checks values with the same type and range.
 * The ranges are the library's (TA_SID_*_MAX in tlsaudit.h).
 */
#include "cli_opts.h"
#include "tlsaudit.h"
#include "tlsaudit/unstable.h"

#define TA_N(a) (sizeof(a) / sizeof((a)[0]))
#define TA_MEM_LIMIT_MAX 1048576 /* MB: 1 TiB */
#define TA_SD_DEPTH_MAX 12

static const ta_opt ta_sid_opts_table[] = {
    {"--builtin", TA_OPT_STRING, "NAME", NULL, 0, 0, NULL,
     "a callback of the catalog ('tlsaudit list callbacks')", NULL, NULL},
    {"--lib", TA_OPT_PATH, "FILE.so", NULL, 0, 0, NULL,
     "a shared object holding the callback; a name without a slash is relative to the "
     "current directory. It is loaded only in the check children",
     NULL, NULL},
    {"--symbol", TA_OPT_STRING, "NAME", NULL, 0, 0, NULL, "the callback's symbol in --lib", NULL,
     NULL},
    {"--ids", TA_OPT_UINT, "N", "200000", 1, TA_SID_IDS_MAX, NULL,
     "direct calls in the uniqueness and threads checks; with --connect: TLS 1.2 full "
     "handshakes (default 2000; TLS 1.3: a quarter as many)",
     "ids", "20000"},
    {"--threads", TA_OPT_UINT, "T", "8", 1, TA_SID_THREADS_MAX, NULL, "concurrent callers",
     "threads", NULL},
    {"--seed", TA_OPT_UINT, "S", "1", 0, UINT64_MAX, NULL,
     "seed of our choices and the TLS environment", "seed", NULL},
    {"--timeout", TA_OPT_SECONDS, "SEC", "2", 0, 3600, NULL,
     "a check that makes no progress this long is a hang; with --connect: one connect, "
     "handshake or read (default 5)",
     "timeout", NULL},
    {"--handshakes", TA_OPT_UINT, "N", "8", 1, TA_SID_HANDSHAKES_MAX, NULL,
     "full handshakes per end-to-end configuration", "handshakes", NULL},
    {"--bucket-n", TA_OPT_UINT, "N", "4096", TA_SID_BUCKET_MIN, TA_SID_IDS_MAX, NULL,
     "cached sessions for the SID-BUCKET-COLLAPSE measurement, at most --ids; with --connect: "
     "the server's cache size assumed (default 20480, OpenSSL's)",
     "bucket_n", NULL},
    {"--mem-limit", TA_OPT_UINT, "MB", "4096", 0, TA_MEM_LIMIT_MAX, NULL,
     "address-space limit of every child running the callback, 0 for none", "mem_limit", NULL},
    {"--only", TA_OPT_STRING, "RULE[,RULE]", NULL, 0, 0, NULL,
     "report (and run the checks for) these rules only", "only", NULL},
    {"--connect", TA_OPT_STRING, "HOST:PORT", NULL, 0, 0, NULL,
     "audit the session ids a live server hands out instead of a callback (gate lines: "
     "the subject connect:HOST:PORT)",
     NULL, NULL},
    {"--start", TA_OPT_STRING, "CMD", NULL, 0, 0, NULL,
     "with --connect: start the server with /bin/sh -c CMD (its own process group), wait "
     "for the port, stop it at the end",
     "start", NULL},
    {"--connections", TA_OPT_UINT, "C", "4", 1, 256, NULL, "with --connect: handshakes in parallel",
     "connections", NULL},
    {"--budget", TA_OPT_SECONDS, "SEC", "120", 0, 3600, NULL,
     "with --connect: the whole audit; past it the audit is incomplete", "budget", NULL},
    {"--json", TA_OPT_PATH, "FILE|-", NULL, 0, 0, NULL, "the JSON report (- for stdout)", NULL,
     NULL},
    {"--junit", TA_OPT_PATH, "FILE|-", NULL, 0, 0, NULL,
     "JUnit XML: a testcase per rule, failures with reproducers", NULL, NULL},
    {"--sarif", TA_OPT_PATH, "FILE|-", NULL, 0, 0, NULL,
     "SARIF 2.1.0: a result per finding, at the callback", NULL, NULL},
    {"--strict", TA_OPT_FLAG, "", NULL, 0, 0, NULL, "warnings fail too", NULL, NULL},
    {"--quiet", TA_OPT_FLAG, "", NULL, 0, 0, NULL, "no table, no progress", NULL, NULL},
};
const ta_optset ta_sid_optset = {
    "sid",
    "(--builtin NAME | --lib FILE.so --symbol NAME | --connect HOST:PORT [--start CMD]) [options]",
    "Audits a session-id generator (SSL_CTX_set_generate_session_id) against the man\n"
    "page's contract: guarded direct calls at every offered length, our own\n"
    "SSL_has_matching_session_id (live ids, every id taken, the first k taken), T threads\n"
    "at once, and real handshakes in TLS 1.2 and 1.3. Every check runs in a child\n"
    "process: a crash or a hang is a finding. With --connect it audits the ids a live\n"
    "server hands out: TLS 1.2 session ids and TLS 1.3 tickets from N handshakes\n"
    "(duplicates, length, hash-key spread, predictability) and resumption (recent\n"
    "sessions, after an unclean close, after a fatal alert).",
    ta_sid_opts_table, TA_N(ta_sid_opts_table)};

static const ta_opt ta_sd_opts_table[] = {
    {"--builtin", TA_OPT_STRING, "NAME", NULL, 0, 0, NULL, "a built-in driver (below)", NULL, NULL},
    {"--lib", TA_OPT_PATH, "FILE.so", NULL, 0, 0, NULL,
     "a shared object holding the driver; a name without a slash is relative to the "
     "current directory. It is loaded only in the worker children",
     NULL, NULL},
    {"--symbol", TA_OPT_STRING, "NAME", NULL, 0, 0, NULL,
     "the driver in --lib: a 'const ta_sd_driver' (see tlsaudit.h)", NULL, NULL},
    {"--only", TA_OPT_STRING, "GLOBS", NULL, 0, 0, NULL,
     "cases whose name matches, comma-separated: 'tls13/client/peer-eof/*', 'peer-eof'", "only",
     NULL},
    {"--schedule", TA_OPT_STRING, "STRING", NULL, 0, 0, NULL,
     "replay one schedule, e.g. 'tls13/client:s>c<' (reports print it)", NULL, NULL},
    {"--exhaustive", TA_OPT_FLAG, "", NULL, 0, 0, NULL,
     "every interleaving of peer actions, deliveries and cancel", NULL, NULL},
    {"--depth", TA_OPT_UINT, "D", "5", 1, TA_SD_DEPTH_MAX, NULL,
     "actions after the start in exhaustive mode (needs --exhaustive); the gate key "
     "turns exhaustive mode on",
     "exhaustive", NULL},
    {"--actions", TA_OPT_STRING, "TOKENS", NULL, 0, 0, NULL,
     "the actions exhaustive mode explores, as a schedule without prefix (needs "
     "--exhaustive; default: every exhaustive action, 'dcke<<*>xgfbj')",
     "actions", NULL},
    {"--no-prune", TA_OPT_FLAG, "", NULL, 0, 0, NULL,
     "exhaustive mode runs and extends every schedule (needs --exhaustive; slow: it is "
     "there to check the pruning)",
     NULL, NULL},
    {"--capacity", TA_OPT_UINT, "BYTES", "0", 0, 65535, NULL,
     "backpressure in every case: at most BYTES in flight towards the peer after the "
     "handshake, so the driver's writes meet WANT_WRITE (0: unbounded)",
     "capacity", NULL},
    {"--seed", TA_OPT_UINT, "S", "1", 0, UINT64_MAX, NULL, "seed of the TLS environment", "seed",
     NULL},
    {"--mode", TA_OPT_CHOICE, "M", "psk", 0, 0, "cert|psk|resume",
     "handshake of each case: psk (fast), cert (full ECDHE + ECDSA certificate) or resume "
     "(session resumption)",
     "mode", NULL},
    {"--timeout", TA_OPT_SECONDS, "SEC", "5", 0, 3600, NULL,
     "a case with no answer this long is SD-CRASH (hung)", "timeout", NULL},
    {"--mem-limit", TA_OPT_UINT, "MB", "4096", 0, TA_MEM_LIMIT_MAX, NULL,
     "address-space limit of every worker running the driver, 0 for none", "mem_limit", NULL},
    {"--json", TA_OPT_PATH, "FILE|-", NULL, 0, 0, NULL, "the JSON report (- for stdout)", NULL,
     NULL},
    {"--html", TA_OPT_PATH, "FILE|-", NULL, 0, 0, NULL, "a coloured HTML matrix", NULL, NULL},
    {"--junit", TA_OPT_PATH, "FILE|-", NULL, 0, 0, NULL,
     "JUnit XML: a testcase per case, failures with reproducers", NULL, NULL},
    {"--sarif", TA_OPT_PATH, "FILE|-", NULL, 0, 0, NULL,
     "SARIF 2.1.0: a result per failed case, at the driver", NULL, NULL},
    {"--quiet", TA_OPT_FLAG, "", NULL, 0, 0, NULL, "no terminal matrix", NULL, NULL},
    /* Live endpoints: real programs over real sockets (src/shutdown/sd_remote*.c). */
    {"--connect", TA_OPT_STRING, "HOST:PORT", NULL, 0, 0, NULL,
     "a live server under test: tlsaudit is the client", NULL, NULL},
    {"--start", TA_OPT_STRING, "CMD", NULL, 0, 0, NULL,
     "with --connect: start the server (sh -c CMD, own process group), wait for its port, "
     "stop it at the end",
     "start", NULL},
    {"--http", TA_OPT_FLAG, "", NULL, 0, 0, NULL,
     "with --connect: speak HTTP/1.1 (a GET, keep-alive or Connection: close)", "http", NULL},
    {"--client", TA_OPT_STRING, "'CMD {port}'", NULL, 0, 0, NULL,
     "a live client under test, started per run with {port} replaced: tlsaudit is the server", NULL,
     NULL},
    {"--shim", TA_OPT_STRING, "CMD", NULL, 0, 0, NULL,
     "a shim (tools/shims/, the shim protocol), started per run: tlsaudit is the server", NULL,
     NULL},
    {"--repeat", TA_OPT_UINT, "K", "3", 1, 100, NULL,
     "live forms: runs per scenario; every distinct outcome is reported with its count", "repeat",
     NULL},
    {"--window", TA_OPT_SECONDS, "SEC", "2", 0, 600, NULL,
     "live forms: how long to wait for the endpoint's answer (open at the end: never a close)",
     "window", NULL},
    {"--hold-bound", TA_OPT_SECONDS, "SEC", "2", 0, 3600, NULL,
     "--connect: open this long after its close_notify is SD-HOLD", "hold_bound", NULL},
    {"--idle-bound", TA_OPT_SECONDS, "SEC", "5", 0, 3600, NULL,
     "--connect: an idle or keep-alive connection open this long is SD-IDLE-TIMER", "idle_bound",
     NULL},
    {"--starve", TA_OPT_UINT, "N", "3", 1, 16, NULL,
     "--connect: silent finished connections before the fresh handshake", "starve", NULL},
    {"--cancel-ms", TA_OPT_UINT, "MS", "300", 1, 60000, NULL,
     "--shim: TA_SHIM_CANCEL_MS of the cancel scenario", "cancel_ms", NULL},
};
const ta_optset ta_sd_optset = {
    "shutdown",
    "(--builtin NAME | --lib FILE.so --symbol NAME | --connect HOST:PORT [--start CMD] "
    "[--http] | --client 'CMD {port}' | --shim CMD) [options]",
    "Checks a shutdown driver against a real OpenSSL peer: every named scenario for TLS\n"
    "1.2 and 1.3, the driver as client and as server. A shutdown must complete when the\n"
    "peer's close_notify arrives (clean), the peer closes the transport (truncated) or\n"
    "the application cancels (cancelled), and never otherwise. Every case runs in a\n"
    "child process: a crash or a hang is SD-CRASH.",
    ta_sd_opts_table, TA_N(ta_sd_opts_table)};

static const ta_opt ta_gate_opts_table[] = {
    {"--config", TA_OPT_PATH, "FILE", NULL, 0, 0, NULL, "the gate configuration (required)", NULL,
     NULL},
    {"--junit", TA_OPT_PATH, "FILE|-", NULL, 0, 0, NULL,
     "JUnit XML of every item (overrides the file's 'report junit')", NULL, NULL},
    {"--sarif", TA_OPT_PATH, "FILE|-", NULL, 0, 0, NULL,
     "SARIF 2.1.0 of every item (overrides 'report sarif')", NULL, NULL},
    {"--json", TA_OPT_PATH, "FILE|-", NULL, 0, 0, NULL,
     "the gate's JSON report (overrides 'report json')", NULL, NULL},
    {"--strict", TA_OPT_FLAG, "", NULL, 0, 0, NULL,
     "warnings and stale baseline entries fail the gate too", NULL, NULL},
    {"--quiet", TA_OPT_FLAG, "", NULL, 0, 0, NULL, "no progress lines, no finding details", NULL,
     NULL},
};
const ta_optset ta_gate_optset = {
    "gate", "--config FILE [options]",
    "Checks the whole configuration first (any error: one line naming FILE:LINE, exit 2,\n"
    "nothing run), then runs the audits it lists and exits 0 only when every error\n"
    "finding is accepted by the file's baseline. Config lines ('#' comments):\n"
    "  sid      builtin:NAME | lib:FILE:SYMBOL | connect:HOST:PORT   [KEY=VALUE...]\n"
    "  shutdown builtin:NAME | lib:FILE:SYMBOL   [KEY=VALUE...]\n"
    "  shutdown connect:HOST:PORT | client:\"CMD {port}\" | shim:\"CMD\" [KEY=VALUE...]\n"
    "  replay   CORPUS-DIR                       [KEY=VALUE...]\n"
    "  fuzz     TARGET                           [KEY=VALUE...]\n"
    "  accept   RULE SUBJECT reason=\"why\"        (RULE may be a glob: SD-*)\n"
    "  report   junit|sarif|json FILE\n"
    "Each kind takes the keys listed under 'gate keys' below.",
    ta_gate_opts_table, TA_N(ta_gate_opts_table)};

static const ta_opt ta_demo_opts_table[] = {
    {"--ids", TA_OPT_UINT, "N", "20000", 1, TA_SID_IDS_MAX, NULL,
     "direct calls per uniqueness check (the sid command's default is 200000)", NULL, NULL},
    {"--seed", TA_OPT_UINT, "S", "1", 0, UINT64_MAX, NULL, "seed of every run", NULL, NULL},
    {"--skip-sid", TA_OPT_FLAG, "", NULL, 0, 0, NULL, "no session-id table", NULL, NULL},
    {"--skip-shutdown", TA_OPT_FLAG, "", NULL, 0, 0, NULL, "no shutdown table", NULL, NULL},
};
const ta_optset ta_demo_optset = {
    "demo", "[options]",
    "Audits the built-in session-id callbacks and shutdown drivers and prints one table\n"
    "each. Exit 0 when every result is the documented one (faulty examples found,\n"
    "correct ones clean), 1 otherwise.",
    ta_demo_opts_table, TA_N(ta_demo_opts_table)};

const ta_optset ta_list_optset = {
    "list", "[callbacks | drivers | rules | scenarios]",
    "Lists the built-in session-id callbacks (tlsaudit sid --builtin NAME), shutdown\n"
    "drivers (tlsaudit shutdown --builtin NAME), the rule ids of both audits, and the\n"
    "named shutdown scenarios; without an argument, everything.",
    NULL, 0};

static const ta_opt ta_selfcheck_opts_table[] = {
    {"--seed", TA_OPT_UINT, "S", NULL, 0, UINT64_MAX, NULL,
     "seeded (replayable) randomness instead of the OS's", NULL, NULL},
};
const ta_optset ta_selfcheck_optset = {
    "selfcheck", "[--seed S]",
    "Runs a handshake, one message each way and a bidirectional close over the\n"
    "memory-BIO pair for TLS 1.2 and 1.3 in the cert, psk and resume modes, and checks\n"
    "that resume mode really resumed.",
    ta_selfcheck_opts_table, TA_N(ta_selfcheck_opts_table)};

/* Gate line kinds with no subcommand of their own: keys only. */
static const ta_opt ta_replay_opts_table[] = {
    {NULL, TA_OPT_STRING, "NAME", NULL, 0, 0, NULL,
     "the fuzz target whose replay program runs the corpus (default: the directory's "
     "name, or its parent's for regressions/)",
     "target", NULL},
};
const ta_optset ta_replay_optset = {"replay", "CORPUS-DIR [target=NAME]",
                                    "Replays every file of a corpus directory.",
                                    ta_replay_opts_table, TA_N(ta_replay_opts_table)};

static const ta_opt ta_fuzz_opts_table[] = {
    {NULL, TA_OPT_UINT, "N", "30", 1, 86400, NULL, "seconds of fuzzing", "seconds", NULL},
    {NULL, TA_OPT_CHOICE, "E", "libfuzzer", 0, 0, "libfuzzer|afl|afl-lto", "the engine", "engine",
     NULL},
};
const ta_optset ta_fuzz_optset = {"fuzz", "TARGET [seconds=N engine=E]",
                                  "Runs tools/fuzz run TARGET (from the source tree).",
                                  ta_fuzz_opts_table, TA_N(ta_fuzz_opts_table)};

const ta_optset *const *ta_cli_optsets(size_t *out_count)
{
    static const ta_optset *const sets[] = {&ta_demo_optset, &ta_sid_optset,  &ta_sd_optset,
                                            &ta_gate_optset, &ta_list_optset, &ta_selfcheck_optset};
    *out_count = TA_N(sets);
    return sets;
}

const ta_optset *ta_gate_line_optset(int kind)
{
    static const ta_optset *const sets[] = {&ta_sid_optset, &ta_sd_optset, &ta_replay_optset,
                                            &ta_fuzz_optset};
    return kind >= 0 && (size_t)kind < TA_N(sets) ? sets[kind] : NULL;
}
