/* Trace chunks of a rotating recording (--rotate-size, --rotate-every).
 *
 * LTTng closes the current trace chunk at each rotation and moves it to
 * DIR/archives/BEGIN-END-INDEX/ust/uid/UID/64-bit/.  Each closed chunk is
 * finished like a trace of its own (its LTTng layout moved up, owner-only),
 * so every chunk is a CTF trace, and `info`/`replay` read DIR as the whole
 * recording.  --max-size caps the disk DIR uses: the oldest closed chunks
 * are removed first (never the one being written).
 */
#ifndef FL_CHUNKS_H
#define FL_CHUNKS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Finish the closed chunks not finished yet; returns how many there are. */
size_t fl_chunks_finish(const char *dir, bool chown_to, uid_t uid, gid_t gid);
/* Bytes DIR takes on disk. */
uint64_t fl_chunks_disk_usage(const char *dir);
/* Remove the oldest closed chunks until DIR takes at most max_bytes, or
 * only the newest closed chunk is left; returns how many were removed. */
size_t fl_chunks_cap(const char *dir, uint64_t max_bytes);

#endif
