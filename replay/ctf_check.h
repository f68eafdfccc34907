/* Checks of a CTF trace's files before libbabeltrace2 sees them.
 *
 * libbabeltrace2 2.0 loops forever on a packet whose packet_size is 0,
 * on an index that does not match its stream and on some truncated
 * metadata, and aborts on a few impossible counter values
 * (tests/fuzz/README.md has the reproducers).  These checks read the
 * packet headers and the metadata text directly and turn the common
 * corruptions into a precise message naming the file and the packet
 * offset.  They are not a CTF decoder: where the metadata declares a
 * packet layout they do not know, they check only what they can (the
 * decode itself still runs under the watchdog of ingest_child.c).
 */
#ifndef FL_CTF_CHECK_H
#define FL_CTF_CHECK_H

#include <stddef.h>

#include "fl_err.h"

/* Check the trace directory dir (it holds a `metadata` file): the
 * metadata is complete, every stream file is non-empty and its packets
 * are well formed, every index/ file matches its stream.  Messages start
 * with dir and name the file and the packet offset.  Returns 0 or a
 * negative code with err filled. */
int fl_ctf_check_dir(const char *dir, struct fl_err *err);

/* Find the CTF traces under root (a directory holding `metadata`, or
 * directories below it, at most depth levels down), as libbabeltrace2's
 * src.ctf.fs would, but bounded: a symbolic link to a directory is
 * followed only when no link was followed on the way there, a directory
 * already on the path is not entered again, and at most FL_CTF_MAX_ENTRIES
 * directory entries are looked at.  Fills dirs (malloc'd strings, *n of
 * them).  Returns 0 (possibly with *n == 0) or a negative code with err
 * filled. */
#define FL_CTF_MAX_ENTRIES 20000
#define FL_CTF_MAX_DEPTH 6
int fl_ctf_find_traces(const char *root, char ***dirs, size_t *n, struct fl_err *err);
void fl_ctf_free_list(char **dirs, size_t n);

#endif
