/* fl_fmt: numbers and times as text for people, one way each, for the
 * report, diff, the HTML page and the TUI; and the nearest-rank percentile
 * every p50/p90/p99 is taken with. */
#ifndef FL_FMT_H
#define FL_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A duration in ns: "0", "850 ns", "12.3 us", "4.56 ms", "1.23 s" (three
 * significant digits from us on).  FL_FMT_COMPACT: no space before the unit
 * and "0ns" for zero, for the TUI's narrow cells. */
enum fl_fmt_style { FL_FMT_SPACED, FL_FMT_COMPACT };
const char *fl_fmt_duration(char *buf, size_t len, int64_t ns, enum fl_fmt_style style);
/* fl_fmt_duration(..., FL_FMT_SPACED). */
const char *fl_fmt_ns(char *buf, size_t len, int64_t ns);

/* Trace-clock ns as seconds with ns since origin, exact (no floating point):
 * "1.000000567", "-0.000000001".  Any two int64 values: the difference is
 * taken in 128 bits, so a damaged or hand-made time does not overflow. */
const char *fl_fmt_secs(char *buf, size_t len, int64_t ns, int64_t origin);

/* The time of day of trace-clock ns base + ns, as babeltrace2 prints an
 * event's time: "HH:MM:SS.nnnnnnnnn" in local time (TZ), or with date
 * "YYYY-MM-DD HH:MM:SS.nnnnnnnnn" (babeltrace2 --clock-date).  The trace
 * clock counts ns from its origin, its offset included: the Unix epoch for
 * a clock correlated with real time (LTTng, faultline record), else what
 * the tracer gave (perf's monotonic clock: since boot, printed as
 * babeltrace2 prints it, "00:00:00" at boot).  The sum is taken in 128 bits;
 * a time localtime_r() cannot place prints as seconds ("1.000000567"). */
const char *fl_fmt_clock(char *buf, size_t len, int64_t base, int64_t ns, bool date);

/* How a time prints for people, the one convention of every command:
 * seconds with ns since the trace's first event, "0.051998454", or with
 * --abs-time (abs) the wall-clock time of day as babeltrace2 prints it,
 * with the date when the trace's span crosses midnight (date). */
struct fl_time_fmt {
	int64_t t_first;	/* the trace's first event, trace-clock ns */
	bool abs;
	bool date;
};
/* The format for a trace spanning t_first..t_last; date is set when abs
 * and the two fall on different local days. */
void fl_time_fmt_init(struct fl_time_fmt *tf, int64_t t_first, int64_t t_last, bool abs);
/* Trace-clock ns in tf's convention. */
const char *fl_fmt_at(char *buf, size_t len, const struct fl_time_fmt *tf, int64_t ns);
/* ns since the trace's first event in tf's convention. */
const char *fl_fmt_since(char *buf, size_t len, const struct fl_time_fmt *tf, int64_t rel);

/* The nearest rank of percentile pct (0..100) among n sorted values: the
 * 1-based rank ceil(pct * n / 100), the smallest value with at least pct%
 * of the values at or below it; 0 when n is 0 (or pct is 0). */
uint64_t fl_nearest_rank(uint64_t n, unsigned pct);

#endif
