/*
 * tlsaudit.h - the public API of libtlsaudit, one header per subsystem:
 *
 *   tlsaudit/base.h      errors (the convention every function follows), the
 *                        seeded environment, findings and verdicts
 *   tlsaudit/pair.h      TLS contexts, the memory-BIO pair, bounded pumps, keys
 *   tlsaudit/report.h    subjects, checks and findings; JUnit and SARIF
 *   tlsaudit/sid.h       the session-id auditor
 *   tlsaudit/shutdown.h  the shutdown engine; its driver ABI comes first
 *
 * tlsaudit/unstable.h holds what tlsaudit's own fuzz targets and tests reach
 * into; it is not API, not installed, and not included here.
 */
#ifndef TLSAUDIT_H
#define TLSAUDIT_H

#include "tlsaudit/base.h"
#include "tlsaudit/pair.h"
#include "tlsaudit/report.h"
#include "tlsaudit/sid.h"
#include "tlsaudit/shutdown.h"

#endif /* TLSAUDIT_H */
