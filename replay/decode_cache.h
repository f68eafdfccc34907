/* decode_cache: a trace's decoded records kept on disk (replay
 * --decode-cache DIR), so that replaying one trace many times (a sweep's
 * jobs) decodes it once.
 *
 * An entry is the byte stream the decoder child of ingest_child.c sends
 * its parent (REC_BEGIN .. REC_RESULT), as the parent read it, followed by
 * the text the child printed on its stderr (libbabeltrace2's warnings), in
 * DIR/KEY.fld.  KEY is the SHA-256 of the wire format's version, the
 * faultline version and build ID (fl_build_id.h), the byte order,
 * FL_INGEST_NO_CHECK, and for each file of the trace's CTF directories
 * (sorted by name relative to the trace): its name, size, mtime (ns) and
 * inode.  A change of any of them is a new key; a file rewritten in place
 * with its size and mtime put back is not seen (as make does not see it).
 *
 * The file: a header (magic, wire version, the lengths of the records and
 * of the log text, the key, the SHA-256 of what follows), the records, the
 * log text.  An entry is written under a temporary name in DIR (mkstemp) as
 * the records come, and renamed to its name only once the decode ended
 * well.  A replay that misses takes an flock on DIR/KEY.lock first and
 * looks again (fl_decode_cache_wait()), so that replays started together
 * decode a trace once; without the lock two may both write it, the last
 * rename wins and both files are whole.  An entry is used only when its
 * header, its length and its checksum are right; else it is removed with a
 * warning and the trace decoded again.  Nothing here makes a replay fail: a
 * directory that cannot be made or written is a warning, and the replay
 * goes on without the cache.
 */
#ifndef FL_DECODE_CACHE_H
#define FL_DECODE_CACHE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fl_sha256.h"

struct fl_decode_cache {
	char path[PATH_MAX];	/* DIR/KEY.fld */
	char tmp[PATH_MAX];	/* DIR/.KEY.fld.XXXXXX while it is written */
	const char *dir;
	int lock_fd;		/* DIR/KEY.lock, held while this decodes; -1 */
	uint32_t wire_version;
	uint8_t key[32];
	/* Writing: the temporary file, what went in and its checksum. */
	int fd;
	bool failed;
	int err;		/* errno of the failure */
	uint64_t wire_len;
	struct fl_sha256 sum;
	/* Reading: the entry mapped whole, its records and its log text. */
	void *map;
	size_t map_len;
	const unsigned char *wire;	/* wire_len bytes */
	const char *log;
	size_t log_len;
};

/* The entry of the trace at trace in dir, for records of wire format
 * wire_version.  0, or -1 when the trace's files cannot be listed (the
 * decode says why): then there is no cache for it. */
int fl_decode_cache_open(struct fl_decode_cache *c, const char *dir, const char *trace,
			 uint32_t wire_version);

/* Map the entry if it is there and whole: true with c->wire, c->wire_len,
 * c->log, c->log_len set.  A damaged one is removed, with a warning naming
 * it.  Release with fl_decode_cache_close(). */
bool fl_decode_cache_find(struct fl_decode_cache *c);

/* An entry that was whole but whose records do not parse (a wire format
 * changed without its version): removed, with a warning. */
void fl_decode_cache_reject(struct fl_decode_cache *c, const char *why);

/* Before decoding on a miss: wait until no other replay is decoding the
 * same trace into dir (an flock on DIR/KEY.lock, held until
 * fl_decode_cache_close()), so that jobs started together decode it once.
 * true when the entry is there now, written by the replay waited for: read
 * it as after fl_decode_cache_find().  false: decode it (the lock is held,
 * or could not be taken: then as without it). */
bool fl_decode_cache_wait(struct fl_decode_cache *c);

/* Start writing the entry: make dir, open a temporary file in it.  false
 * (after a warning) when that fails: then replay without the cache. */
bool fl_decode_cache_start(struct fl_decode_cache *c);
/* Append n bytes of records.  A failure is remembered: no commit then. */
void fl_decode_cache_write(struct fl_decode_cache *c, const void *p, size_t n);
/* The decode ended well: append the log text (from the start of log),
 * complete the header and rename the file to its name.  A failure is a
 * warning and leaves no file. */
void fl_decode_cache_commit(struct fl_decode_cache *c, FILE *log);
/* The decode did not end well: remove the temporary file. */
void fl_decode_cache_abort(struct fl_decode_cache *c);

/* Unmap an entry found, close what is open. */
void fl_decode_cache_close(struct fl_decode_cache *c);

#endif
