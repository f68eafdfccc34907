/* symbols: faulting ips as perf shows them, "symbol+0xoff (dso)", and the
 * file behind a mapping.
 *
 * The store keeps faults' ips but not the mappings, so the trace is read
 * again (its path is traces.path) for its mapping snapshots: the faultline
 * dialect's /proc/PID/maps at the start and its mmap records, perf's
 * MMAP2 records.  An ip is placed in its process's mapping (the one with
 * the highest start at or below it when the end is not known), turned into
 * a file offset (ip - start + pgoff) and then into the ELF's virtual
 * address through its PT_LOAD headers; elfutils' libdwfl names the symbol
 * from .symtab or .dynsym (or debuginfo it finds).  A file that is gone or
 * not ELF leaves the hex ip with the dso's name.
 */
#ifndef FL_SYMBOLS_H
#define FL_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

#include "fl_err.h"

struct fl_symbols;

/* Reads the mapping snapshots of the trace at trace_path.  0, or a
 * negative code with err filled (the trace cannot be read). */
int fl_symbols_open(const char *trace_path, struct fl_symbols **out, struct fl_err *err);
void fl_symbols_free(struct fl_symbols *s);

/* ip of process pid (or of any process, when pid's mappings do not hold
 * it) for people: "main+0x1a (a.out)", "0x7f01234 (libx.so)" when the
 * file or its symbol is missing, "0x1234" outside any known mapping. */
const char *fl_symbols_name(struct fl_symbols *s, int32_t pid, uint64_t ip, char *buf,
			    size_t len);
/* The path of the mapping that starts at start (any process), or NULL. */
const char *fl_symbols_path_at(const struct fl_symbols *s, uint64_t start);

#endif
