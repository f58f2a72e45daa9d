/* sd_explore.c - exhaustive mode (placeholder until the explorer lands). */
#include "internal.h"

ta_status ta_sd_explore(const ta_sd_driver *d, const ta_sd_opts *o, unsigned depth,
                        ta_sd_report **out, ta_sd_explore_stats *out_stats)
{
    (void)d; (void)o; (void)depth; (void)out; (void)out_stats;
    TA_BAIL(TA_E_STATE, "exhaustive mode is not built yet");
}
