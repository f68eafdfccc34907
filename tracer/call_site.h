/* The user call site of an mm call: the address in the program that made
 * the mmap, munmap, mprotect... whose sys_enter was sampled.
 *
 * x86_64: the sys_enter samples carry the user stack pointer and ip
 * (PERF_SAMPLE_REGS_USER) and the top FL_CS_STACK_BYTES of the user stack
 * (PERF_SAMPLE_STACK_USER).  At the syscall instruction the ip is inside
 * the C library's wrapper (mmap64, munmap...) and the stack pointer inside
 * its frame; the return address into the caller is a few words above.
 * The rule (cs_pick()): the call site is the first stack word, from the
 * stack pointer up, that lies in an executable mapping of the process
 * other than the one holding the ip.  It is a return address: the
 * instruction after the call.  So a call made through the C library
 * (malloc's mmap) is charged to the program's call into the library.
 *
 * Limits: a word left over from an earlier call (a stale return address
 * in a slot the wrapper's frame does not overwrite) can be taken before the
 * real one; a caller in the same mapping as the wrapper (a static binary,
 * the C library calling itself with nothing of the program within the
 * sampled bytes) gives 0, unknown; tail calls leave no return address, so
 * the call is charged to the tail caller's caller.  Frame pointers are not
 * needed: the rule scans words, it does not walk frames.
 *
 * ppc64: the link register (PERF_SAMPLE_REGS_USER, LINK) at the sc
 * instruction is the wrapper's return address, taken as it is (no stack
 * is sampled, no mapping is checked).
 *
 * The recorder keeps each process's executable mappings (cs_table) from
 * what it writes anyway, in time order: /proc/PID/maps at attach, MMAP2
 * records (exec's image, every PROT_EXEC mmap), copied at fork, emptied
 * at exec.  An unmapped range is not forgotten: the rule only looks at
 * words a live frame points to.  A mapping over older ones replaces them
 * where they overlap, as in the address space, so the list stays sorted
 * and without overlaps, and a word is looked up by bisection: JITs and
 * valgrind map code thousands of times, and each mm call's 64 words are
 * looked up while the recorder keeps up with the perf rings.
 */
#ifndef FL_CALL_SITE_H
#define FL_CALL_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "fl_map.h"

/* How much of the user stack each mm call's sys_enter sample copies. */
#define FL_CS_STACK_BYTES 512

/* [start, end) of the mapping numbered id (pieces of one mapping that a
 * later one cut in two share its id). */
struct cs_range {
	uint64_t start, end;
	uint64_t id;
};

/* One process's executable mappings: sorted by address, not overlapping,
 * each address the newest mapping's that covered it. */
struct cs_maps {
	struct cs_range *r;
	size_t n, cap;
	uint64_t next_id;
};

/* Every recorded process's: pid + 1 -> struct cs_maps *. */
struct cs_table {
	struct fl_map pids;
};

void cs_table_init(struct cs_table *t);
void cs_table_free(struct cs_table *t);
/* An executable mapping [start, end) of pid.  0 or -ENOMEM. */
int cs_table_add(struct cs_table *t, int32_t pid, uint64_t start, uint64_t end);
/* A new process: child gets a copy of parent's mappings.  0 or -ENOMEM. */
int cs_table_fork(struct cs_table *t, int32_t parent, int32_t child);
/* exec replaced pid's address space: forget its mappings. */
void cs_table_exec(struct cs_table *t, int32_t pid);
const struct cs_maps *cs_table_get(const struct cs_table *t, int32_t pid);

/* The rule above: the first of words[0..nwords) (the stack from the stack
 * pointer up) inside a mapping of m other than ip's.  0: none. */
uint64_t cs_pick(const struct cs_maps *m, uint64_t ip, const uint64_t *words, size_t nwords);

#endif
