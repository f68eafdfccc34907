#include "fl_json.h"

#include <inttypes.h>
#include <math.h>

void fl_json_init(struct fl_json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->first[0] = true;
}

static void put_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

/* Comma, newline, indentation and key for the next value. */
static void lead(struct fl_json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
	if (j->depth > 0) {
		fputc('\n', j->out);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->out);
	}
	if (key) {
		put_string(j->out, key);
		fputs(": ", j->out);
	}
}

static void open(struct fl_json *j, const char *key, char c)
{
	lead(j, key);
	fputc(c, j->out);
	if (j->depth + 1 < FL_JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close(struct fl_json *j, char c)
{
	bool empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty) {
		fputc('\n', j->out);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->out);
	}
	fputc(c, j->out);
}

void fl_json_obj_begin(struct fl_json *j, const char *key) { open(j, key, '{'); }
void fl_json_obj_end(struct fl_json *j) { close(j, '}'); }
void fl_json_arr_begin(struct fl_json *j, const char *key) { open(j, key, '['); }
void fl_json_arr_end(struct fl_json *j) { close(j, ']'); }

void fl_json_str(struct fl_json *j, const char *key, const char *val)
{
	lead(j, key);
	if (val)
		put_string(j->out, val);
	else
		fputs("null", j->out);
}

void fl_json_u64(struct fl_json *j, const char *key, uint64_t val)
{
	lead(j, key);
	fprintf(j->out, "%" PRIu64, val);
}

void fl_json_i64(struct fl_json *j, const char *key, int64_t val)
{
	lead(j, key);
	fprintf(j->out, "%" PRId64, val);
}

void fl_json_double(struct fl_json *j, const char *key, double val)
{
	lead(j, key);
	if (isfinite(val))
		fprintf(j->out, "%.9g", val);
	else
		fputs("null", j->out);
}

void fl_json_bool(struct fl_json *j, const char *key, bool val)
{
	lead(j, key);
	fputs(val ? "true" : "false", j->out);
}

void fl_json_null(struct fl_json *j, const char *key)
{
	lead(j, key);
	fputs("null", j->out);
}

void fl_json_finish(struct fl_json *j)
{
	fputc('\n', j->out);
}
