/* Reading libbabeltrace2 fields without caring about their exact class.
 *
 * Dialects disagree on integer widths and signedness (perf writes bools as
 * integers, lttng-modules uses enums for some codes), so adapters read
 * members through these helpers, by index resolved once per event class.
 */
#ifndef FL_BT_FIELDS_H
#define FL_BT_FIELDS_H

#include <babeltrace2/babeltrace.h>
#include <stdbool.h>
#include <stdint.h>

/* Index of member `name` in structure field class sc, or -1. */
int64_t fl_struct_member_index(const bt_field_class *sc, const char *name);

/* Member `idx` of structure field `s` as an integer.  Unsigned, signed,
 * enumeration and bool fields are all accepted; anything else reads 0 and
 * sets *ok to false when ok is non-NULL. */
uint64_t fl_member_u64(const bt_field *s, uint64_t idx, bool *ok);
int64_t fl_member_i64(const bt_field *s, uint64_t idx, bool *ok);
/* Member `idx` as a string, or "" if it is not a string field. */
const char *fl_member_str(const bt_field *s, uint64_t idx);

/* Is this field class something fl_member_u64 can read? */
bool fl_field_class_is_integer_like(const bt_field_class *fc);
bool fl_field_class_is_string(const bt_field_class *fc);

#endif
