/* The trace directory of `faultline record` (-o DIR), from creation to a
 * finished CTF trace.
 *
 * While recording, DIR holds a `.faultline-recording` marker (the
 * recorder's pid) and LTTng writes DIR/ust/uid/UID/64-bit/.  Finishing
 * moves that trace up, so DIR itself is the CTF trace, makes it owner-only
 * (0700 directories, 0600 files: traces hold production addresses), hands
 * it to the sudo user, and removes the marker.  A recording that ended
 * early (the recorder was killed) is finished the same way, by the
 * recorder's guard (guard.h) or by the next `record -o DIR` or `info DIR`,
 * and keeps a `.faultline-cut-short` note saying why.  Hidden files are
 * not CTF streams: readers skip them.
 */
#ifndef FL_TRACE_DIR_H
#define FL_TRACE_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define FL_TRACE_MARK_RECORDING ".faultline-recording"
#define FL_TRACE_MARK_CUT_SHORT ".faultline-cut-short"

/* Write the marker naming this process as the recorder and uid:gid as
 * the trace's owner-to-be (the directory stays root's while recording). */
int fl_trace_dir_mark(const char *dir, uid_t uid, gid_t gid);
/* Move the trace up, write the cut-short note when why is not NULL, drop
 * the marker, make everything owner-only and (chown) owned by uid:gid. */
void fl_trace_dir_finish(const char *dir, const char *why, bool chown_to, uid_t uid, gid_t gid);
/* A snapshot's directory: the trace LTTng wrote below it moved up, so dir
 * is the CTF trace; owner-only, chowned like the main one. */
void fl_trace_dir_finish_snapshot(const char *dir, bool chown_to, uid_t uid, gid_t gid);
/* Remove dir and everything in it (a recording that never ran). */
void fl_trace_dir_remove(const char *dir);
/* If dir holds a recording whose recorder is gone and which was never
 * finished, finish it as cut short: 1 when it did, 0 when there was none,
 * negative when it could not (no permission). */
int fl_trace_dir_complete(const char *dir);
/* The cut-short note of a finished trace, if it has one: true and the
 * note's first line in buf. */
bool fl_trace_dir_cut_short(const char *dir, char *buf, size_t len);

#endif
