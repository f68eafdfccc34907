/* fl_fmt: numbers and times as text for people (fl_fmt.h). */
#include "fl_fmt.h"

#include <inttypes.h>
#include <stdio.h>

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

const char *fl_fmt_secs(char *buf, size_t len, int64_t ns, int64_t origin)
{
	__int128 d = (__int128)ns - origin;
	unsigned __int128 a = d < 0 ? -(unsigned __int128)d : (unsigned __int128)d;

	snprintf(buf, len, "%s%" PRIu64 ".%09" PRIu64, d < 0 ? "-" : "",
		 (uint64_t)(a / 1000000000u), (uint64_t)(a % 1000000000u));
	return buf;
}

uint64_t fl_nearest_rank(uint64_t n, unsigned pct)
{
	if (pct > 100)
		pct = 100;
	/* ceil(pct * n / 100) without floating point; n * 100 fits for any
	 * count of faults a store can hold. */
	return (n * pct + 99) / 100;
}
