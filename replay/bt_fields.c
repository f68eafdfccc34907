#include "bt_fields.h"

#include <string.h>

int64_t fl_struct_member_index(const bt_field_class *sc, const char *name)
{
	uint64_t n;

	if (!sc || bt_field_class_get_type(sc) != BT_FIELD_CLASS_TYPE_STRUCTURE)
		return -1;
	n = bt_field_class_structure_get_member_count(sc);
	for (uint64_t i = 0; i < n; i++) {
		const bt_field_class_structure_member *m =
			bt_field_class_structure_borrow_member_by_index_const(sc, i);
		if (strcmp(bt_field_class_structure_member_get_name(m), name) == 0)
			return (int64_t)i;
	}
	return -1;
}

bool fl_field_class_is_integer_like(const bt_field_class *fc)
{
	bt_field_class_type t = bt_field_class_get_type(fc);

	return bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_INTEGER) ||
	       t == BT_FIELD_CLASS_TYPE_BOOL;
}

bool fl_field_class_is_string(const bt_field_class *fc)
{
	return bt_field_class_get_type(fc) == BT_FIELD_CLASS_TYPE_STRING;
}

static uint64_t field_u64(const bt_field *f, bool *ok)
{
	bt_field_class_type t = bt_field_get_class_type(f);

	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
		return bt_field_integer_unsigned_get_value(f);
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER))
		return (uint64_t)bt_field_integer_signed_get_value(f);
	if (t == BT_FIELD_CLASS_TYPE_BOOL)
		return bt_field_bool_get_value(f) ? 1 : 0;
	if (ok)
		*ok = false;
	return 0;
}

uint64_t fl_member_u64(const bt_field *s, uint64_t idx, bool *ok)
{
	return field_u64(bt_field_structure_borrow_member_field_by_index_const(s, idx), ok);
}

int64_t fl_member_i64(const bt_field *s, uint64_t idx, bool *ok)
{
	return (int64_t)fl_member_u64(s, idx, ok);
}

const char *fl_member_str(const bt_field *s, uint64_t idx)
{
	const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(s, idx);

	if (bt_field_get_class_type(f) != BT_FIELD_CLASS_TYPE_STRING)
		return "";
	return bt_field_string_get_value(f);
}
