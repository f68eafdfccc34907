/* fl_escape: trace texts made safe for terminals (see fl_escape.h). */
#include "fl_escape.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The length of the valid UTF-8 sequence at s (1-4), or 0 when s does not
 * start one (a stray continuation byte, an overlong form, a surrogate,
 * past U+10FFFF, or cut short). */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* The escape of the text at s: its bytes written to esc (at most 9 bytes
 * and a NUL), *adv set to the bytes of s it stands for; 0 when the text at
 * s is shown as it is (its *adv bytes). */
static size_t escape_one(const unsigned char *s, char esc[10], size_t *adv)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = utf8_len(s);

	*adv = n ? n : 1;
	if (n == 1 && s[0] >= 0x20 && s[0] != 0x7f && s[0] != '\\')
		return 0;
	if (n == 1) {
		switch (s[0]) {
		case '\\': memcpy(esc, "\\\\", 3); return 2;
		case '\t': memcpy(esc, "\\t", 3); return 2;
		case '\n': memcpy(esc, "\\n", 3); return 2;
		case '\r': memcpy(esc, "\\r", 3); return 2;
		case 0x1b: memcpy(esc, "\\e", 3); return 2;
		default: break;
		}
	}
	if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0) {	/* C1: U+0080-U+009F */
		char *p = esc;

		for (size_t i = 0; i < 2; i++) {
			*p++ = '\\';
			*p++ = 'x';
			*p++ = hex[s[i] >> 4];
			*p++ = hex[s[i] & 15];
		}
		*p = 0;
		return 8;
	}
	if (n > 1)
		return 0;
	esc[0] = '\\';
	esc[1] = 'x';
	esc[2] = hex[s[0] >> 4];
	esc[3] = hex[s[0] & 15];
	esc[4] = 0;
	return 4;
}

bool fl_escape_needed(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		char esc[10];
		size_t adv;

		if (escape_one(p, esc, &adv))
			return true;
		p += adv;
	}
	return false;
}

char *fl_escape(const char *s, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t off = 0;

	if (!size)
		return buf;
	while (*p) {
		char esc[10];
		size_t adv, n = escape_one(p, esc, &adv);
		const char *src = n ? esc : (const char *)p;

		if (!n)
			n = adv;
		if (off + n >= size)
			break;
		memcpy(buf + off, src, n);
		off += n;
		p += adv;
	}
	buf[off] = 0;
	return buf;
}

const char *fl_escape_str(const char *s, char **owned)
{
	size_t size;

	*owned = NULL;
	if (!s || !fl_escape_needed(s))
		return s;
	size = strlen(s) * 4 + 1;	/* at most 4 bytes of escape a byte */
	*owned = malloc(size);
	if (!*owned)
		return "?";
	return fl_escape(s, *owned, size);
}

int fl_escape_fputs(const char *s, FILE *out)
{
	char *owned;
	int rc = fputs(fl_escape_str(s, &owned), out);

	free(owned);
	return rc;
}
