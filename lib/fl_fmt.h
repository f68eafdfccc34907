/* fl_fmt: numbers and times as text for people, one way each, for the
 * report, diff, the HTML page and the TUI; and the nearest-rank percentile
 * every p50/p90/p99 is taken with. */
#ifndef FL_FMT_H
#define FL_FMT_H

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

/* The nearest rank of percentile pct (0..100) among n sorted values: the
 * 1-based rank ceil(pct * n / 100), the smallest value with at least pct%
 * of the values at or below it; 0 when n is 0 (or pct is 0). */
uint64_t fl_nearest_rank(uint64_t n, unsigned pct);

#endif
