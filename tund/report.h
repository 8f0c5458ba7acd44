/*
 * The load report: a live progress line while a run goes on, and at the
 * end a table for people, JSON for scripts and an SVG chart of a sweep.
 *
 * Every function takes the figures as load.c leaves them (load.h) and
 * does nothing else: no clock, no counters, no state between calls.  A
 * run's thread array may be NULL (only the total is shown); an err[]
 * slot with a zero count is unused, and the errnos of one result are
 * distinct.  Rates are counts over the run's seconds, and 0 when a run
 * lasted no time; nothing prints NaN or infinity, whatever comes in.
 */
#ifndef TUND_REPORT_H
#define TUND_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "conf.h"
#include "load.h"

/* Whether fp is a terminal: the progress line is for terminals only. */
int	report_is_terminal(FILE *fp);
/*
 * Rewrite the progress line in place (elapsed, packets and bits per
 * second, interface drops); only when report_is_terminal(fp).
 */
void	report_progress(FILE *fp, const struct load_progress *,
	    unsigned threads);
/* End the progress line, so that what follows starts on a line of its own. */
void	report_progress_end(FILE *fp);

/*
 * The table: the workload, then for each of the n runs a row per thread
 * and a total row (offered and accepted packets, rates and send errors by
 * errno), the interface's drops, tund's pulled and encrypted packets and
 * the far end's view; for a sweep (n > 1), a row per run to compare them.
 */
void	report_table(FILE *fp, const struct conf_load *,
	    const struct load_run *runs, size_t n);
/*
 * The same figures as one JSON object: "workload" and "runs", each run
 * with "per_thread", "total", "far" and the device's counts.  Returns 0,
 * or -1 with errno when writing failed.
 */
int	report_json(FILE *fp, const struct conf_load *,
	    const struct load_run *runs, size_t n);
/*
 * Write to path an SVG chart of delivered packets per second (accepted,
 * when a run had no answer from the far end) and interface drops against
 * the thread count.  Returns 0, or -1 with errno.
 */
int	report_svg(const char *path, const struct load_run *runs, size_t n);

#endif
