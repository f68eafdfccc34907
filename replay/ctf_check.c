/* Pre-validation of CTF trace files (see ctf_check.h for why).
 *
 * The packet layout comes from the metadata text: the members of
 * `packet.header` and `packet.context` in order, each sized from its
 * integer declaration or from the typealias it names.  perf's
 * `data convert --to-ctf` and LTTng (kernel and UST) both put
 * content_size and packet_size in the context as 64-bit integers, on
 * byte boundaries; a layout with a member this file cannot size (an
 * enum, a bit field) is left to libbabeltrace2, and only the magic at the
 * start of each stream file and its size are checked.
 */
#include "ctf_check.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fl_array.h"

#define CTF_MAGIC 0xc1fc1fc1u
#define TSDL_MAGIC 0x75d11d57u
#define INDEX_MAGIC 0xc1f1dcc1u
#define META_PKT_HDR 37		/* bytes of a metadata packet header */
#define MAX_METADATA (64u << 20)
#define MAX_MEMBERS 32

/* ---------------------------------------------------------------------- */
/* Reading files                                                          */

static int read_file(const char *path, size_t max, char **buf, size_t *len, struct fl_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t got = 0;

	*buf = NULL;
	*len = 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fl_err_set(err, -errno, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return err->code;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return fl_err_set(err, -EFBIG, "%s: %" PRIu64 " bytes, more than the %zu a "
				  "CTF metadata file may have here", path, (uint64_t)st.st_size, max);
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		close(fd);
		return fl_err_set(err, -ENOMEM, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, *buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	(*buf)[got] = '\0';
	*len = got;
	return 0;
}

static uint32_t get_u32(const unsigned char *p, bool be)
{
	return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		  : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t get_uint(const unsigned char *p, size_t n, bool be)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[be ? i : n - 1 - i] << (8 * (n - 1 - i));
	return v;
}

/* ---------------------------------------------------------------------- */
/* Metadata                                                               */

/* Unpack LTTng's packetized metadata into its text, checking that every
 * packet is whole.  Plain-text metadata is copied as it is. */
static int metadata_text(const char *dir, const char *buf, size_t len, char **text,
			 size_t *tlen, struct fl_err *err)
{
	const unsigned char *u = (const unsigned char *)buf;
	bool be;
	size_t off = 0, n = 0;
	char *out;

	*text = NULL;
	if (len < 4 || (get_u32(u, false) != TSDL_MAGIC && get_u32(u, true) != TSDL_MAGIC)) {
		*text = strdup(buf);
		*tlen = strlen(buf);
		return *text ? 0 : fl_err_set(err, -ENOMEM, "out of memory");
	}
	be = get_u32(u, true) == TSDL_MAGIC;
	out = malloc(len + 1);
	if (!out)
		return fl_err_set(err, -ENOMEM, "out of memory");
	while (off < len) {
		uint32_t content, size;

		if (len - off < META_PKT_HDR) {
			free(out);
			return fl_err_set(err, -EPROTO, "%s: cannot parse the CTF metadata: the file "
					  "ends inside the header of the metadata packet at offset %zu "
					  "(it was cut short)", dir, off);
		}
		if (get_u32(u + off, be) != TSDL_MAGIC) {
			free(out);
			return fl_err_set(err, -EPROTO, "%s: cannot parse the CTF metadata: no metadata "
					  "packet at offset %zu (magic 0x%08" PRIx32 ")", dir, off,
					  get_u32(u + off, be));
		}
		content = get_u32(u + off + 24, be);
		size = get_u32(u + off + 28, be);
		if (content % 8 || size % 8 || content < META_PKT_HDR * 8 || size < content) {
			free(out);
			return fl_err_set(err, -EPROTO, "%s: cannot parse the CTF metadata: the metadata "
					  "packet at offset %zu has content_size %" PRIu32 " and "
					  "packet_size %" PRIu32 " bits", dir, off, content, size);
		}
		if (size / 8 > len - off) {
			free(out);
			return fl_err_set(err, -EPROTO, "%s: cannot parse the CTF metadata: the metadata "
					  "packet at offset %zu declares %" PRIu32 " bytes, the file has "
					  "%zu left (it was cut short)", dir, off, size / 8, len - off);
		}
		memcpy(out + n, buf + off + META_PKT_HDR, content / 8 - META_PKT_HDR);
		n += content / 8 - META_PKT_HDR;
		off += size / 8;
	}
	out[n] = '\0';
	*text = out;
	*tlen = n;
	return 0;
}

/* Does the TSDL text end where a declaration ends: braces balanced, no
 * open string or comment, the last token a ';'?  Returns the offset of
 * the problem, or -1 when complete. */
static long text_incomplete(const char *t, size_t len)
{
	long depth = 0;
	char last = 0;
	size_t i = 0;

	while (i < len) {
		char c = t[i];

		if (c == '/' && i + 1 < len && t[i + 1] == '*') {
			const char *e = strstr(t + i + 2, "*/");
			if (!e)
				return (long)i;
			i = (size_t)(e - t) + 2;
			continue;
		}
		if (c == '/' && i + 1 < len && t[i + 1] == '/') {
			while (i < len && t[i] != '\n')
				i++;
			continue;
		}
		if (c == '"') {
			size_t s = i++;
			while (i < len && t[i] != '"')
				i += t[i] == '\\' ? 2 : 1;
			if (i >= len)
				return (long)s;
			i++;
			last = '"';
			continue;
		}
		if (c == '{')
			depth++;
		else if (c == '}' && --depth < 0)
			return (long)i;
		if (c == '\0')
			return (long)i;
		if (!isspace((unsigned char)c))
			last = c;
		i++;
	}
	if (depth != 0 || (last != ';' && last != 0))
		return (long)len;
	return -1;
}

/* ---------------------------------------------------------------------- */
/* The packet layout, from the metadata                                   */

struct member {
	char name[64];
	size_t size;		/* bytes; 0 when this file cannot size it */
	size_t count;		/* array length, 1 for a scalar */
};

struct layout {
	bool known;		/* header and context fully sized */
	bool has_magic;
	size_t len;		/* bytes of header + context */
	size_t content, packet;	/* offsets of content_size, packet_size */
	size_t discarded, seq;	/* offsets, SIZE_MAX when absent */
	size_t discarded_len, seq_len;
	size_t ts_begin, ts_end;	/* offsets of 64-bit timestamps, or SIZE_MAX */
};

/* The matching '}' of the '{' at open, or NULL. */
static const char *closing(const char *open)
{
	long depth = 0;

	for (const char *p = open; *p; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && --depth == 0)
			return p;
	}
	return NULL;
}

static bool word_at(const char *text, const char *p, const char *w)
{
	size_t n = strlen(w);

	return strncmp(p, w, n) == 0 && (p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
	       !(isalnum((unsigned char)p[n]) || p[n] == '_');
}

/* Bits of an integer declaration "integer { ... size = N; ... }". */
static size_t integer_bits(const char *decl, const char *end)
{
	const char *s = strstr(decl, "size");

	while (s && s < end) {
		const char *p = s + 4;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '=' && word_at(decl, s, "size"))
			return (size_t)strtoul(p + 1, NULL, 10);
		s = strstr(s + 4, "size");
	}
	return 0;
}

/* Size in bytes of a member whose declaration (type and name) is
 * decl[0..n): an inline integer, or a typealias of one.  0 if unknown or
 * not whole bytes. */
static size_t member_size(const char *text, const char *decl, size_t n, const char *name)
{
	char type[128];
	size_t bits = 0;
	const char *in = strstr(decl, "integer");

	if (in && in < decl + n) {
		bits = integer_bits(in, decl + n);
	} else {
		/* The type name: decl up to the member's name, trimmed. */
		const char *nm = decl + n;
		size_t nl = strlen(name);
		char want[160];

		while (nm > decl && strncmp(nm, name, nl) != 0)
			nm--;
		while (nm > decl && isspace((unsigned char)nm[-1]))
			nm--;
		while (decl < nm && isspace((unsigned char)*decl))
			decl++;
		if (nm <= decl || (size_t)(nm - decl) >= sizeof(type))
			return 0;
		memcpy(type, decl, (size_t)(nm - decl));
		type[nm - decl] = '\0';
		snprintf(want, sizeof(want), ":= %s;", type);
		const char *al = strstr(text, want);
		if (!al)
			return 0;
		/* The typealias' "integer {" before it. */
		const char *p = al;
		while (p > text && !word_at(text, p, "typealias"))
			p--;
		if (p == text)
			return 0;
		bits = integer_bits(p, al);
	}
	return bits && bits % 8 == 0 && bits <= 64 ? bits / 8 : 0;
}

/* The body of the structure `key := struct {...}` or `key := struct NAME;`
 * (then `struct NAME {...}`): [*b, *e). */
static bool struct_body(const char *text, const char *key, const char **b, const char **e)
{
	const char *p = strstr(text, key);
	char name[64];
	size_t n = 0;

	if (!p)
		return false;
	p += strlen(key);
	while (isspace((unsigned char)*p))
		p++;
	if (strncmp(p, ":=", 2) != 0)
		return false;
	p += 2;
	while (isspace((unsigned char)*p))
		p++;
	if (strncmp(p, "struct", 6) != 0)
		return false;
	p += 6;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '{') {
		char want[96];

		while ((isalnum((unsigned char)p[n]) || p[n] == '_') && n < sizeof(name) - 1)
			n++;
		memcpy(name, p, n);
		name[n] = '\0';
		if (!n)
			return false;
		snprintf(want, sizeof(want), "struct %s {", name);
		p = strstr(text, want);
		if (!p)
			return false;
		p = strchr(p, '{');
	}
	*b = p + 1;
	*e = closing(p);
	return *e != NULL;
}

/* The members of a structure body, in order. */
static size_t members(const char *text, const char *b, const char *e, struct member *m, size_t max)
{
	size_t n = 0;
	const char *s = b;
	long depth = 0;

	for (const char *p = b; p < e && n < max; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}')
			depth--;
		if (*p != ';' || depth)
			continue;
		/* The member name: the last identifier before ';' (or before
		 * its "[N]"). */
		const char *q = p;
		size_t count = 1;
		while (q > s && isspace((unsigned char)q[-1]))
			q--;
		if (q > s && q[-1] == ']') {
			const char *lb = q - 1;
			while (lb > s && *lb != '[')
				lb--;
			count = (size_t)strtoul(lb + 1, NULL, 10);
			q = lb;
			while (q > s && isspace((unsigned char)q[-1]))
				q--;
		}
		const char *ne = q;
		while (q > s && (isalnum((unsigned char)q[-1]) || q[-1] == '_'))
			q--;
		if (ne - q <= 0 || (size_t)(ne - q) >= sizeof(m[n].name)) {
			s = p + 1;
			continue;
		}
		memcpy(m[n].name, q, (size_t)(ne - q));
		m[n].name[ne - q] = '\0';
		m[n].count = count ? count : 1;
		m[n].size = member_size(text, s, (size_t)(ne - s), m[n].name);
		n++;
		s = p + 1;
	}
	return n;
}

static void find_layout(const char *text, struct layout *l)
{
	struct member hm[MAX_MEMBERS], cm[MAX_MEMBERS];
	const char *b, *e;
	size_t nh = 0, nc = 0, off = 0;
	bool have_content = false, have_packet = false;

	memset(l, 0, sizeof(*l));
	l->discarded = l->seq = l->ts_begin = l->ts_end = SIZE_MAX;
	if (struct_body(text, "packet.header", &b, &e))
		nh = members(text, b, e, hm, MAX_MEMBERS);
	if (struct_body(text, "packet.context", &b, &e))
		nc = members(text, b, e, cm, MAX_MEMBERS);
	for (size_t i = 0; i < nh; i++)
		if (!strcmp(hm[i].name, "magic") && i == 0 && hm[i].size == 4)
			l->has_magic = true;
	for (size_t i = 0; i < nh; i++) {
		if (!hm[i].size)
			return;
		off += hm[i].size * hm[i].count;
	}
	for (size_t i = 0; i < nc; i++) {
		if (!cm[i].size || cm[i].count != 1)
			return;
		if (!strcmp(cm[i].name, "content_size") && cm[i].size == 8) {
			l->content = off;
			have_content = true;
		} else if (!strcmp(cm[i].name, "packet_size") && cm[i].size == 8) {
			l->packet = off;
			have_packet = true;
		} else if (!strcmp(cm[i].name, "events_discarded")) {
			l->discarded = off;
			l->discarded_len = cm[i].size;
		} else if (!strcmp(cm[i].name, "timestamp_begin") && cm[i].size == 8) {
			l->ts_begin = off;
		} else if (!strcmp(cm[i].name, "timestamp_end") && cm[i].size == 8) {
			l->ts_end = off;
		} else if (!strcmp(cm[i].name, "packet_seq_num")) {
			l->seq = off;
			l->seq_len = cm[i].size;
		}
		off += cm[i].size;
	}
	l->len = off;
	l->known = have_content && have_packet;
}

/* ---------------------------------------------------------------------- */
/* Stream files and their index                                           */

struct packet {
	uint64_t offset, size_bits, content_bits;
};

static int check_index(const char *dir, const char *name, const struct packet *pk, size_t npk,
		       struct fl_err *err)
{
	char path[4096];
	char *buf;
	size_t len, entry, n;
	const unsigned char *u;
	int rc;

	snprintf(path, sizeof(path), "%s/index/%s.idx", dir, name);
	if (access(path, F_OK) != 0)
		return 0;
	if ((rc = read_file(path, MAX_METADATA, &buf, &len, err)) < 0)
		return rc;
	u = (const unsigned char *)buf;
	rc = 0;
	if (len < 16 || get_u32(u, true) != INDEX_MAGIC) {
		rc = fl_err_set(err, -EPROTO, "%s: not a CTF packet index: index/%s.idx has no index magic", dir, name);
		goto out;
	}
	entry = get_u32(u + 12, true);
	if (entry < 24 || entry > 4096 || (len - 16) % entry) {
		rc = fl_err_set(err, -EPROTO, "%s: corrupt CTF packet index: index/%s.idx has "
				"entries of %zu bytes and %zu bytes of them", dir, name, entry, len - 16);
		goto out;
	}
	n = (len - 16) / entry;
	for (size_t i = 0; i < n || i < npk; i++) {
		const unsigned char *e = u + 16 + i * entry;

		if (i >= n || i >= npk || get_uint(e, 8, true) != pk[i].offset ||
		    get_uint(e + 8, 8, true) != pk[i].size_bits ||
		    get_uint(e + 16, 8, true) != pk[i].content_bits) {
			if (i >= npk)
				rc = fl_err_set(err, -EPROTO, "%s: the index does not match the stream: "
						"index/%s.idx lists %zu packets, the stream file has %zu",
						dir, name, n, npk);
			else if (i >= n)
				rc = fl_err_set(err, -EPROTO, "%s: the index does not match the stream: "
						"index/%s.idx lists %zu packets, the stream file has %zu",
						dir, name, n, npk);
			else
				rc = fl_err_set(err, -EPROTO, "%s: the index does not match the stream: "
						"index/%s.idx entry %zu says offset %" PRIu64 ", packet_size %"
						PRIu64 ", content_size %" PRIu64 " bits; the packet at "
						"offset %" PRIu64 " has %" PRIu64 " and %" PRIu64, dir,
						name, i, get_uint(e, 8, true), get_uint(e + 8, 8, true),
						get_uint(e + 16, 8, true), pk[i].offset, pk[i].size_bits,
						pk[i].content_bits);
			fl_err_hint(err, "remove the trace's index/ directory: the packets are then "
				    "indexed from the stream files themselves");
			goto out;
		}
	}
out:
	free(buf);
	return rc;
}

/* Read the header (and context) of the packet at off into hdr: its first 4
 * bytes when the layout is not fully sized.  The first packet's magic sets
 * the byte order, *be; every packet must start with CTF_MAGIC. */
static int read_packet_header(int fd, const char *path, const char *dir, const char *name,
			      const struct layout *l, uint64_t off, uint64_t left,
			      unsigned char *hdr, bool *be, struct fl_err *err)
{
	size_t want = l->known ? l->len : 4;
	ssize_t r;

	if (left < want)
		return fl_err_set(err, -EPROTO, "%s: truncated CTF packet (a stream file ends "
				  "inside a packet): %s: the packet at offset %" PRIu64 " has %"
				  PRIu64 " of its %zu header bytes", dir, name, off, left, want);
	r = pread(fd, hdr, want, (off_t)off);
	if (r < 0 || (size_t)r != want)
		return fl_err_set(err, -EIO, "%s: cannot read the packet at offset %" PRIu64 ": %s",
				  path, off, r < 0 ? strerror(errno) : "short read");
	if (l->has_magic) {
		if (off == 0)
			*be = get_u32(hdr, true) == CTF_MAGIC;
		if (get_u32(hdr, *be) != CTF_MAGIC)
			return fl_err_set(err, -EPROTO, "%s: corrupt CTF stream file: %s: no CTF packet "
					  "at offset %" PRIu64 " (magic 0x%08" PRIx32 ", want 0x%08x)",
					  dir, name, off, get_u32(hdr, false), CTF_MAGIC);
	}
	return 0;
}

/* The packet's content_size and packet_size, in bits, as libbabeltrace2
 * takes them: set, byte-aligned, content within packet, and a packet
 * within the left bytes of the file. */
static int check_packet_sizes(const char *dir, const char *name, const struct layout *l,
			      uint64_t off, uint64_t left, uint64_t csize, uint64_t psize,
			      struct fl_err *err)
{
	/* libbabeltrace2 keeps the sizes in int64_t, -1 for "not set". */
	if (psize == 0 || csize == 0 || psize >> 63 || csize >> 63 ||
	    psize % 8 || csize > psize || csize < (uint64_t)l->len * 8)
		return fl_err_set(err, -EPROTO, "%s: corrupt CTF packet header: %s, packet at offset %"
				  PRIu64 ": content_size %" PRIu64 ", packet_size %" PRIu64 " bits (%s)",
				  dir, name, off, csize, psize,
				  psize == 0 || csize == 0 ? "a size is zero"
				  : psize >> 63 || csize >> 63 ? "a size is 2^63 bits or more"
				  : psize % 8 ? "packet_size is not a whole number of bytes"
				  : csize > psize ? "content_size exceeds packet_size"
				  : "content_size is smaller than the packet's own header");
	if (psize / 8 > left)
		return fl_err_set(err, -EPROTO, "%s: truncated CTF packet (a stream file ends "
				  "inside a packet): %s: the packet at offset %" PRIu64 " declares %"
				  PRIu64 " bytes, the file has %" PRIu64 " left", dir, name, off,
				  psize / 8, left);
	return 0;
}

/* The packet's timestamp_begin and timestamp_end, where the layout has them. */
static int check_packet_times(const char *dir, const char *name, const struct layout *l,
			      uint64_t off, const unsigned char *hdr, bool be, struct fl_err *err)
{
	/* libbabeltrace2 takes 2^64-1 for "not set" and asserts it is
	 * set once the metadata declares the field. */
	for (int k = 0; k < 2; k++) {
		size_t at = k ? l->ts_end : l->ts_begin;

		if (at != SIZE_MAX && get_uint(hdr + at, 8, be) == UINT64_MAX)
			return fl_err_set(err, -EPROTO, "%s: corrupt CTF packet header: %s, packet at "
					  "offset %" PRIu64 ": %s has all bits set (the reader's 'unknown')",
					  dir, name, off, k ? "timestamp_end" : "timestamp_begin");
	}
	return 0;
}

/* The packet's events_discarded and packet_seq_num, where the layout has
 * them: not all bits set (the reader's "unknown"), and after the previous
 * packet's (*prev_disc, *prev_seq; first is true for a stream's first
 * packet), which they then become. */
static int check_packet_counters(const char *dir, const char *name, const struct layout *l,
				 uint64_t off, const unsigned char *hdr, bool be, bool first,
				 uint64_t *prev_disc, uint64_t *prev_seq, struct fl_err *err)
{
	if (l->discarded != SIZE_MAX) {
		uint64_t v = get_uint(hdr + l->discarded, l->discarded_len, be);
		uint64_t max = l->discarded_len == 8 ? UINT64_MAX
						     : (UINT64_C(1) << (8 * l->discarded_len)) - 1;

		if (v == max || (!first && v < *prev_disc))
			return fl_err_set(err, -EPROTO, "%s: corrupt CTF packet header: %s, packet at "
					  "offset %" PRIu64 ": events_discarded %" PRIu64 " %s", dir,
					  name, off, v,
					  v == max ? "has all bits set (the reader's 'unknown')"
						   : "is lower than the previous packet's");
		*prev_disc = v;
	}
	if (l->seq != SIZE_MAX) {
		uint64_t v = get_uint(hdr + l->seq, l->seq_len, be);
		uint64_t max = l->seq_len == 8 ? UINT64_MAX
					       : (UINT64_C(1) << (8 * l->seq_len)) - 1;

		if (v == max || (!first && v <= *prev_seq))
			return fl_err_set(err, -EPROTO, "%s: corrupt CTF packet header: %s, packet at "
					  "offset %" PRIu64 ": packet_seq_num %" PRIu64 " %s", dir,
					  name, off, v,
					  v == max ? "has all bits set (the reader's 'unknown')"
						   : "does not follow the previous packet's");
		*prev_seq = v;
	}
	return 0;
}

static int check_stream(const char *dir, const char *name, const struct layout *l,
			struct fl_err *err)
{
	char path[4096];
	unsigned char hdr[512];
	struct packet *pk = NULL;
	size_t npk = 0, cap = 0;
	uint64_t off = 0, size, prev_disc = 0, prev_seq = 0;
	struct stat st;
	bool be = false;
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = fl_err_set(err, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	size = (uint64_t)st.st_size;
	if (size == 0) {
		rc = fl_err_set(err, -EPROTO, "%s: empty stream file '%s' (0 bytes): the trace was "
				"cut short, and the events of this stream are missing", dir, name);
		fl_err_hint(err, "to read the rest of the trace anyway, move the empty file out "
			    "of the trace directory");
		goto out;
	}
	if (l->len > sizeof(hdr))
		goto out;
	while (off < size) {
		uint64_t left = size - off, psize, csize;

		rc = read_packet_header(fd, path, dir, name, l, off, left, hdr, &be, err);
		if (rc < 0)
			goto out;
		if (!l->known)
			break;
		csize = get_uint(hdr + l->content, 8, be);
		psize = get_uint(hdr + l->packet, 8, be);
		rc = check_packet_sizes(dir, name, l, off, left, csize, psize, err);
		if (rc < 0)
			goto out;
		rc = check_packet_times(dir, name, l, off, hdr, be, err);
		if (rc < 0)
			goto out;
		rc = check_packet_counters(dir, name, l, off, hdr, be, npk == 0, &prev_disc,
					   &prev_seq, err);
		if (rc < 0)
			goto out;
		if (fl_array_grow((void **)&pk, &cap, npk + 1, sizeof(*pk)) < 0) {
			rc = fl_err_set(err, -ENOMEM, "out of memory");
			goto out;
		}
		pk[npk++] = (struct packet){ off, psize, csize };
		off += psize / 8;
	}
	if (l->known)
		rc = check_index(dir, name, pk, npk, err);
out:
	if (fd >= 0)
		close(fd);
	free(pk);
	return rc;
}

int fl_ctf_check_dir(const char *dir, struct fl_err *err)
{
	char path[4096];
	char *buf = NULL, *text = NULL;
	size_t len, tlen = 0;
	struct layout l;
	long bad;
	DIR *dh;
	struct dirent *de;
	int rc;

	snprintf(path, sizeof(path), "%s/metadata", dir);
	if ((rc = read_file(path, MAX_METADATA, &buf, &len, err)) < 0)
		return rc;
	if (len == 0) {
		free(buf);
		return fl_err_set(err, -EPROTO, "%s: cannot parse the CTF metadata: the metadata "
				  "file is empty", dir);
	}
	rc = metadata_text(dir, buf, len, &text, &tlen, err);
	free(buf);
	if (rc < 0)
		return rc;
	if ((bad = text_incomplete(text, tlen)) >= 0) {
		free(text);
		return fl_err_set(err, -EPROTO, "%s: cannot parse the CTF metadata: it is incomplete "
				  "(it stops inside a declaration, at byte %ld of %zu of its text)",
				  dir, bad, tlen);
	}
	find_layout(text, &l);
	free(text);

	dh = opendir(dir);
	if (!dh)
		return fl_err_set(err, -errno, "%s: %s", dir, strerror(errno));
	rc = 0;
	while (rc == 0 && (de = readdir(dh))) {
		struct stat st;

		/* What src.ctf.fs reads: every regular file but metadata and
		 * hidden files. */
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "metadata"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		rc = check_stream(dir, de->d_name, &l, err);
	}
	closedir(dh);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Finding the traces                                                     */

struct search {
	char **dirs;
	size_t n, cap;
	size_t entries;
	dev_t dev[FL_CTF_MAX_DEPTH + 2];
	ino_t ino[FL_CTF_MAX_DEPTH + 2];
	struct fl_err *err;
	const char *root;
};

static bool on_path(const struct search *s, int level, const struct stat *st)
{
	for (int i = 0; i < level; i++)
		if (s->dev[i] == st->st_dev && s->ino[i] == st->st_ino)
			return true;
	return false;
}

static int search_dir(struct search *s, const char *dir, const struct stat *dst, int level,
		      bool via_link)
{
	char buf[4096];
	struct stat st;
	DIR *dh;
	struct dirent *de;
	int rc = 0;

	s->dev[level] = dst->st_dev;
	s->ino[level] = dst->st_ino;
	snprintf(buf, sizeof(buf), "%s/metadata", dir);
	if (stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
		/* A trace: src.ctf.fs does not look inside one for more. */
		char *c = strdup(dir);

		if (!c || fl_array_grow((void **)&s->dirs, &s->cap, s->n + 1, sizeof(*s->dirs)) < 0) {
			free(c);
			return fl_err_set(s->err, -ENOMEM, "out of memory");
		}
		s->dirs[s->n++] = c;
		return 0;
	}
	if (level >= FL_CTF_MAX_DEPTH || !(dh = opendir(dir)))
		return 0;
	while (rc == 0 && (de = readdir(dh))) {
		bool link;

		if (de->d_name[0] == '.')
			continue;
		if (++s->entries > FL_CTF_MAX_ENTRIES) {
			rc = fl_err_set(s->err, -E2BIG, "%s: more than %d directory entries under it: "
					"stopped looking for CTF traces", s->root, FL_CTF_MAX_ENTRIES);
			fl_err_hint(s->err, "give the trace's own directory (the one holding "
				    "'metadata')");
			break;
		}
		if ((size_t)snprintf(buf, sizeof(buf), "%s/%s", dir, de->d_name) >= sizeof(buf))
			continue;
		if (lstat(buf, &st) < 0)
			continue;
		link = S_ISLNK(st.st_mode);
		/* One symbolic link on the way, no more: links to a parent
		 * would otherwise multiply the paths at every level. */
		if (link && (via_link || stat(buf, &st) < 0))
			continue;
		if (!S_ISDIR(st.st_mode) || on_path(s, level + 1, &st))
			continue;
		rc = search_dir(s, buf, &st, level + 1, via_link || link);
	}
	closedir(dh);
	return rc;
}

void fl_ctf_free_list(char **dirs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
}

int fl_ctf_find_traces(const char *root, char ***dirs, size_t *n, struct fl_err *err)
{
	struct search s = { .err = err, .root = root };
	struct stat st;
	int rc;

	*dirs = NULL;
	*n = 0;
	if (stat(root, &st) < 0)
		return fl_err_set(err, -errno, "%s: %s", root, strerror(errno));
	rc = search_dir(&s, root, &st, 0, false);
	if (rc < 0) {
		fl_ctf_free_list(s.dirs, s.n);
		return rc;
	}
	*dirs = s.dirs;
	*n = s.n;
	return 0;
}
