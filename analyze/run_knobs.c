/* run_knobs: a run's non-default knobs (run_knobs.h). */
#include "run_knobs.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strategy.h"

/* The default of key among the strategy's knobs; false when it has none. */
static bool knob_default(const struct fl_strategy *s, const char *key, size_t klen, int64_t *def)
{
	for (const struct fl_knob *k = s ? s->knobs : NULL; k && k->key; k++)
		if (strlen(k->key) == klen && !strncmp(k->key, key, klen)) {
			*def = k->def;
			return true;
		}
	return false;
}

const char *fl_run_knobs_nondefault(const char *strategy, const char *knobs_json, char *buf,
				    size_t len)
{
	const struct fl_strategy *s = strategy ? fl_strategy_find(strategy) : NULL;
	const char *p = knobs_json;
	size_t off = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	while (p && isspace((unsigned char)*p))
		p++;
	if (!p || *p++ != '{')
		return buf;
	for (;;) {
		const char *key, *val;
		size_t klen, vlen;
		int64_t def;
		bool str;

		while (isspace((unsigned char)*p) || *p == ',')
			p++;
		if (*p != '"')
			break;
		key = ++p;
		while (*p && *p != '"')
			p++;
		if (!*p)
			break;
		klen = (size_t)(p++ - key);
		while (isspace((unsigned char)*p) || *p == ':')
			p++;
		str = *p == '"';
		val = str ? ++p : p;
		while (*p && (str ? *p != '"' : *p != ',' && *p != '}' && !isspace((unsigned char)*p)))
			p++;
		vlen = (size_t)(p - val);
		if (str && *p)
			p++;
		if (!str && knob_default(s, key, klen, &def)) {
			char *end;
			long long v;

			errno = 0;
			v = strtoll(val, &end, 10);
			if (!errno && end == val + vlen && v == def)
				continue;
		}
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%.*s=%.*s", off ? " " : "",
						(int)klen, key, (int)vlen, val);
	}
	return buf;
}
