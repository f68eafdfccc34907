/* fl_json: a small streaming JSON writer for --format json.
 *
 * It tracks nesting and commas so callers only say what they write:
 *   fl_json_obj_begin(j, NULL); fl_json_u64(j, "faults", n); fl_json_obj_end(j);
 * Keys are NULL inside arrays.  Strings are escaped per RFC 8259.
 */
#ifndef FL_JSON_H
#define FL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define FL_JSON_MAX_DEPTH 32

struct fl_json {
	FILE *out;
	int depth;
	bool first[FL_JSON_MAX_DEPTH];
};

void fl_json_init(struct fl_json *j, FILE *out);
void fl_json_obj_begin(struct fl_json *j, const char *key);
void fl_json_obj_end(struct fl_json *j);
void fl_json_arr_begin(struct fl_json *j, const char *key);
void fl_json_arr_end(struct fl_json *j);
void fl_json_str(struct fl_json *j, const char *key, const char *val);
void fl_json_u64(struct fl_json *j, const char *key, uint64_t val);
void fl_json_i64(struct fl_json *j, const char *key, int64_t val);
void fl_json_double(struct fl_json *j, const char *key, double val);
void fl_json_bool(struct fl_json *j, const char *key, bool val);
void fl_json_null(struct fl_json *j, const char *key);
/* Ends the document with a newline. */
void fl_json_finish(struct fl_json *j);

#endif
