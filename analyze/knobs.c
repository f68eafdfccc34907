/* knobs: a run's knobs that differ from its strategy's defaults (knobs.h).
 * One reading of runs.knobs for every place that names a run. */
#include "knobs.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strategy.h"

/* Whether key (klen bytes) has default v among the strategy's knobs. */
static bool is_default(const struct fl_strategy *s, const char *key, size_t klen, int64_t v)
{
	for (const struct fl_knob *k = s ? s->knobs : NULL; k && k->key; k++)
		if (strlen(k->key) == klen && !strncmp(k->key, key, klen))
			return k->def == v;
	return false;
}

static const char *skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* A JSON string's text from just after its opening quote, its escapes
 * decoded (\uXXXX kept as written), into f; returns the end past the
 * closing quote, or NULL when the string does not end. */
static const char *string_to(const char *p, FILE *f)
{
	static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";

	for (; *p && *p != '"'; p++) {
		const char *e;

		if (*p != '\\') {
			fputc(*p, f);
			continue;
		}
		if (!*++p)
			return NULL;
		e = strchr(esc_in, *p);
		if (e && *p)
			fputc(esc_out[e - esc_in], f);
		else
			fprintf(f, "\\%c", *p);
	}
	return *p ? p + 1 : NULL;
}

/* One "key": value pair of the object at p, written "key=value" to f
 * (preceded by a space unless first) when it is not the strategy's
 * default; a text value that would not read back as one word is quoted
 * when quote.  Returns the end of the value, or NULL at the object's end
 * or where it is not a flat JSON object. */
static const char *pair(const char *p, const struct fl_strategy *s, bool quote, bool *first,
			FILE *f)
{
	const char *key, *val;
	size_t klen;

	p = skip_space(p);
	if (*p != '"')
		return NULL;
	key = ++p;
	while (*p && *p != '"')
		p++;
	if (!*p)
		return NULL;
	klen = (size_t)(p++ - key);
	p = skip_space(p);
	if (*p++ != ':')
		return NULL;
	p = skip_space(p);
	if (*p == '"') {
		char *text = NULL;
		size_t tlen = 0;
		FILE *t = open_memstream(&text, &tlen);

		if (!t)
			return NULL;
		p = string_to(p + 1, t);
		if (fclose(t) != 0 || !p) {
			free(text);
			return NULL;
		}
		if (quote && (!text[0] || strpbrk(text, " \t\"=")))
			fprintf(f, "%s%.*s=\"%s\"", *first ? "" : " ", (int)klen, key, text);
		else
			fprintf(f, "%s%.*s=%s", *first ? "" : " ", (int)klen, key, text);
		free(text);
		*first = false;
		return p;
	}
	val = p;
	while (*p && *p != ',' && *p != '}' && !isspace((unsigned char)*p))
		p++;
	if (p == val)
		return NULL;
	{
		char *end;
		long long v;

		errno = 0;
		v = strtoll(val, &end, 10);
		if (!errno && end == p && is_default(s, key, klen, v))
			return p;
	}
	fprintf(f, "%s%.*s=%.*s", *first ? "" : " ", (int)klen, key, (int)(p - val), val);
	*first = false;
	return p;
}

/* The knobs not at their defaults into f; false when knobs_json is not a
 * flat JSON object. */
static bool nondefault_to(const char *strategy, const char *knobs_json, bool quote, FILE *f)
{
	const struct fl_strategy *s = strategy ? fl_strategy_find(strategy) : NULL;
	const char *p = skip_space(knobs_json ? knobs_json : "");
	bool first = true;

	if (*p++ != '{')
		return false;
	for (;;) {
		p = skip_space(p);
		if (*p == '}')
			return !*skip_space(p + 1);
		p = pair(p, s, quote, &first, f);
		if (!p)
			return false;
		p = skip_space(p);
		if (*p == ',')
			p++;
		else if (*p != '}')
			return false;
	}
}

/* The text of nondefault_to(), or NULL when out of memory; *object says
 * whether knobs_json was a flat JSON object. */
static char *nondefault(const char *strategy, const char *knobs_json, bool quote, bool *object)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	*object = nondefault_to(strategy, knobs_json, quote, f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *fl_knobs_nondefault(const char *strategy, const char *knobs_json)
{
	bool object;
	char *s = nondefault(strategy, knobs_json, true, &object);

	if (s && !object) {
		free(s);
		return strdup(knobs_json ? knobs_json : "");
	}
	return s;
}

const char *fl_run_knobs_nondefault(const char *strategy, const char *knobs_json, char *buf,
				    size_t len)
{
	bool object;
	char *s;

	if (!len)
		return buf;
	s = nondefault(strategy, knobs_json, false, &object);
	snprintf(buf, len, "%s", s && object ? s : "");
	free(s);
	return buf;
}
