/* fl_fmt: numbers and times as text for people (fl_fmt.h). */
#include "fl_fmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

const char *fl_fmt_duration(char *buf, size_t len, int64_t ns, enum fl_fmt_style style)
{
	/* The magnitude unsigned: -INT64_MIN does not fit int64_t. */
	uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	double a = (double)mag;
	const char *sign = ns < 0 ? "-" : "";
	const char *sp = style == FL_FMT_COMPACT ? "" : " ";

	if (ns == 0)
		snprintf(buf, len, "%s", style == FL_FMT_COMPACT ? "0ns" : "0");
	else if (a < 1e3)
		snprintf(buf, len, "%s%" PRIu64 "%sns", sign, mag, sp);
	else if (a < 1e6)
		snprintf(buf, len, "%s%.*f%sus", sign, a < 1e4 ? 2 : a < 1e5 ? 1 : 0, a / 1e3, sp);
	else if (a < 1e9)
		snprintf(buf, len, "%s%.*f%sms", sign, a < 1e7 ? 2 : a < 1e8 ? 1 : 0, a / 1e6, sp);
	else
		snprintf(buf, len, "%s%.2f%ss", sign, a / 1e9, sp);
	return buf;
}

const char *fl_fmt_ns(char *buf, size_t len, int64_t ns)
{
	return fl_fmt_duration(buf, len, ns, FL_FMT_SPACED);
}

/* Any 128-bit ns count as seconds with ns, exact. */
static const char *secs128(char *buf, size_t len, __int128 d)
{
	unsigned __int128 a = d < 0 ? -(unsigned __int128)d : (unsigned __int128)d;

	snprintf(buf, len, "%s%" PRIu64 ".%09" PRIu64, d < 0 ? "-" : "",
		 (uint64_t)(a / 1000000000u), (uint64_t)(a % 1000000000u));
	return buf;
}

const char *fl_fmt_secs(char *buf, size_t len, int64_t ns, int64_t origin)
{
	return secs128(buf, len, (__int128)ns - origin);
}

/* The local date of seconds since the epoch; false when time_t or
 * localtime_r() cannot hold it. */
static bool local_tm(__int128 secs, struct tm *tm)
{
	time_t t = (time_t)secs;

	if ((__int128)t != secs)
		return false;
	return localtime_r(&t, tm) != NULL;
}

const char *fl_fmt_clock(char *buf, size_t len, int64_t base, int64_t ns, bool date)
{
	__int128 sum = (__int128)base + ns;
	/* Floor division: a time before the origin is the previous second. */
	__int128 secs = sum / 1000000000 - (sum % 1000000000 < 0);
	int64_t sub = (int64_t)(sum - secs * 1000000000);
	struct tm tm;

	if (!local_tm(secs, &tm))
		return secs128(buf, len, sum);
	if (date)
		snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d.%09" PRId64, tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, sub);
	else
		snprintf(buf, len, "%02d:%02d:%02d.%09" PRId64, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 sub);
	return buf;
}

void fl_time_fmt_init(struct fl_time_fmt *tf, int64_t t_first, int64_t t_last, bool abs)
{
	struct tm a, b;

	tf->t_first = t_first;
	tf->abs = abs;
	tf->date = false;
	if (abs && local_tm(t_first / 1000000000, &a) && local_tm(t_last / 1000000000, &b))
		tf->date = a.tm_year != b.tm_year || a.tm_yday != b.tm_yday;
}

const char *fl_fmt_at(char *buf, size_t len, const struct fl_time_fmt *tf, int64_t ns)
{
	if (tf->abs)
		return fl_fmt_clock(buf, len, 0, ns, tf->date);
	return fl_fmt_secs(buf, len, ns, tf->t_first);
}

const char *fl_fmt_since(char *buf, size_t len, const struct fl_time_fmt *tf, int64_t rel)
{
	if (tf->abs)
		return fl_fmt_clock(buf, len, tf->t_first, rel, tf->date);
	return fl_fmt_secs(buf, len, rel, 0);
}

uint64_t fl_nearest_rank(uint64_t n, unsigned pct)
{
	if (pct > 100)
		pct = 100;
	/* ceil(pct * n / 100) without floating point; n * 100 fits for any
	 * count of faults a store can hold. */
	return (n * pct + 99) / 100;
}
