/*
 * mkfixture-lttng-kernel: write a small, deterministic CTF 1.8 trace that
 * looks like one recorded by the LTTng kernel tracer (lttng-modules 2.13,
 * x86_64), for faultline's "lttng-kernel" dialect tests.
 *
 * WHY THIS EXISTS
 *   lttng-modules (the LTTng kernel tracer) cannot be installed on the
 *   machines that build and test faultline, so no real kernel trace can be
 *   recorded there.  This tool generates fixtures instead: it builds a
 *   libbabeltrace2 graph made of a source component class defined here
 *   (which creates the trace class, stream class, event classes and emits
 *   the messages) connected to the sink.ctf.fs component of the `ctf`
 *   plugin, which writes the CTF trace directory.
 *
 *   The event names, field names, field types, integer sizes, signedness
 *   and preferred display bases are copied from the lttng-modules sources
 *   (each event class below cites its file).  The binary layout is what
 *   sink.ctf.fs writes (its own packet header and event header), not
 *   byte-for-byte what lttng-modules writes; read through libbabeltrace2
 *   (source.ctf.fs) both give the same trace IR: same event class names,
 *   same payload/context field names and field classes, same packet
 *   context user field (cpu_id), same clock class and environment.
 *
 * USAGE
 *   mkfixture-lttng-kernel [--scenario NAME] OUTDIR
 *   mkfixture-lttng-kernel --list-scenarios
 *
 *   OUTDIR must not exist, or must be an empty directory.  It receives
 *   `metadata`, `channel0_0` (CPU 0) and `channel0_1` (CPU 1), like the
 *   `kernel/` directory of an LTTng session.  Nothing is printed on
 *   success; exit status 0 on success, 1 on failure, 2 on usage error.
 *
 * DETERMINISM
 *   All timestamps, identifiers and values are fixed.  sink.ctf.fs
 *   (babeltrace2 2.0) always draws a random trace UUID; after the graph
 *   has run, this tool rewrites that UUID (in `metadata` and in every
 *   packet header of the data stream files) to FIXTURE_TRACE_UUID below,
 *   so two runs give byte-identical directories.
 *
 * TRACE SHAPE (both scenarios)
 *   environment (as lttng-modules 2.13 writes it, src/lttng-events.c,
 *   _lttng_session_metadata_statedump()):
 *     hostname = "fixture-host"            domain = "kernel"
 *     sysname = "Linux"                    kernel_release = "5.15.0-91-generic"
 *     kernel_version = "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023"
 *     tracer_name = "lttng-modules"        tracer_major = 2
 *     tracer_minor = 13                    tracer_patchlevel = 10
 *     trace_buffering_scheme = "global"    trace_name = "fixture-session"
 *     trace_creation_datetime = "20231114T221320+0000"
 *     (lttng-modules spells it trace_buffering_scheme, without the "r" of
 *     the UST domain's tracer_buffering_scheme; product_uuid is optional
 *     in lttng-modules and not written here.)
 *   clock class: name "monotonic", description "Monotonic Clock",
 *     1 GHz, origin NOT the Unix epoch, offset 1699999000 s + 0 cycles
 *     (LTTng writes realtime - monotonic at session start), clock UUID
 *     FIXTURE_CLOCK_UUID (LTTng uses the boot id).  Clock values are
 *     1000 s of uptime + the scenario time: t_ns = 1e12 + t_us * 1000,
 *     i.e. the first event is at 2023-11-14T22:13:20.000010Z.
 *     (The metadata says `absolute = false`, like lttng-modules, which
 *     omits the attribute.  When the environment says tracer_name =
 *     "lttng-modules", babeltrace2 2.0's source.ctf.fs nevertheless
 *     reports the clock class origin as the Unix epoch, for this fixture
 *     exactly as for a real LTTng trace.)
 *   one stream class ("channel0"), default clock "monotonic", packets
 *     with beginning and end clock snapshots, discarded events with
 *     clock snapshots; packet context user field cpu_id (uint32); event
 *     common context { procname (string), pid (int32), tid (int32) }
 *     (what `lttng add-context -k -t procname -t pid -t tid` adds: see
 *     src/lttng-context-procname.c, -pid.c, -tid.c; context fields are
 *     laid out in the order they were added, so readers must look them
 *     up by name).
 *   two streams: id 0 = CPU 0 (file channel0_0, 1 packet) and id 1 =
 *     CPU 1 (file channel0_1, 2 packets).  Between the two CPU 1 packets
 *     a DISCARDED_EVENTS message says 5 events were lost, from the end
 *     of the first CPU 1 packet (t=180 us) to the end of the second
 *     (t=400 us); it is written as events_discarded = 5 in the second
 *     packet's context, and babeltrace2 warns about it when reading.
 *
 * SCENARIO "default" (expected content; tests assert on it)
 *   Process 1000 ("fixture"), threads 1000 and 1001 (1001 created by a
 *   thread clone: sched_process_fork with child_pid = 1000, child_tid =
 *   1001), and child process 1002 (fork: child_pid = child_tid = 1002),
 *   which execs /usr/bin/true (procname becomes "true") and exits.
 *   Statedump and the first sched_switch run as lttng-sessiond (pid/tid
 *   1500); the second sched_switch runs as swapper/1 (pid/tid 0).
 *
 *   43 events in total: 28 on CPU 0, 15 on CPU 1; 5 discarded on CPU 1.
 *
 *   per event name                        count
 *     x86_exceptions_page_fault_user         12
 *     syscall_entry_mmap / _exit_mmap       3 / 3
 *     syscall_entry_munmap / _exit_munmap   2 / 2
 *     syscall_entry_mprotect / _exit_...    2 / 2
 *     syscall_entry_mremap / _exit_mremap   1 / 1
 *     syscall_entry_brk / _exit_brk         1 / 1
 *     syscall_entry_madvise / _exit_...     2 / 2
 *     sched_process_fork                      2   (1 thread, 1 process)
 *     sched_process_exec                      1
 *     sched_process_exit                      1
 *     sched_switch                            2   (faultline ignores it)
 *     lttng_statedump_start                   1
 *     lttng_statedump_process_state           1   (tid 1000, pid 1000)
 *     lttng_statedump_end                     1
 *
 *   per context tid (events)   faults  mm syscall pairs  other
 *     1000 (pid 1000)  24         8    mmap x3, mprotect x2,  fork x2
 *                                      brk x1, munmap x1
 *     1001 (pid 1000)  11         3    madvise x2, mremap x1,
 *                                      munmap x1
 *     1002 (pid 1002)   3         1    -                      exec, exit
 *     1500 (pid 1500)   4         -    -                      statedump x3,
 *                                                             switch x1
 *        0 (pid 0)      1         -    -                      switch x1
 *
 *   page faults by error_code: 0x6 (user write, not present) x6,
 *     0x4 (user read, not present) x3, 0x7 (user write, protection:
 *     COW after fork) x2, 0x14 (user instruction fetch, not present) x1.
 *   page faults by CPU: CPU 0 x8 (tid 1000), CPU 1 x4 (1001 x3, 1002 x1).
 *   Every syscall exit is on the same tid and CPU as its entry.
 *
 *   Timeline (t in us; "c0"/"c1" = CPU; tid in brackets):
 *     0 c0,c1 packet begin
 *    10 c0 [1500] lttng_statedump_start
 *    11 c0 [1500] lttng_statedump_process_state tid=1000 pid=1000 ppid=1
 *    12 c0 [1500] lttng_statedump_end
 *    20 c0 [1500] sched_switch lttng-sessiond(1500) -> fixture(1000)
 *    30 c0 [1000] mmap(0, 2097152, RW, PRIVATE|ANONYMOUS, -1, 0)
 *    35 c0 [1000]   = 0x7f3a5c000000
 *    40 c0 [1000] fault 0x7f3a5c000000 ip 0x55d0c0a01234 0x6
 *    45 c0 [1000] fault 0x7f3a5c001000 ip 0x55d0c0a01234 0x6
 *    50 c0 [1000] fault 0x7f3a5c002010 ip 0x55d0c0a01258 0x4
 *    60 c0 [1000] mmap(0, 8392704, NONE, PRIVATE|ANONYMOUS|STACK, -1, 0)
 *    63 c0 [1000]   = 0x7f3a5b7ff000
 *    65 c0 [1000] mprotect(0x7f3a5b800000, 8388608, RW)
 *    68 c0 [1000]   = 0
 *    75 c0 [1000] sched_process_fork child_tid=1001 child_pid=1000
 *    78 c1 [0]    sched_switch swapper/1(0) -> fixture(1001)
 *    80 c1 [1001] fault 0x7f3a5bffee38 ip 0x7f3a5d6a3b10 0x6
 *    90 c1 [1001] fault 0x7f3a5c003000 ip 0x55d0c0a01300 0x6
 *   100 c0 [1000] mmap(0, 16384, READ|EXEC, PRIVATE, 3, 0)
 *   104 c0 [1000]   = 0x7f3a5d400000
 *   110 c0 [1000] fault 0x7f3a5d400000 ip 0x7f3a5d6c2f10 0x4
 *   115 c0 [1000] fault 0x7f3a5d401a30 ip 0x7f3a5d401a30 0x14
 *   120 c1 [1001] madvise(0x7f3a5c000000, 65536, MADV_DONTNEED=4)
 *   126 c1 [1001]   = 0
 *   130 c0 [1000] fault 0x7f3a5c000100 ip 0x55d0c0a01234 0x6
 *   140 c1 [1001] mremap(0x7f3a5c100000, 65536, 131072, MAYMOVE, 0)
 *   145 c1 [1001]   = 0x7f3a5c400000
 *   150 c1 [1001] fault 0x7f3a5c410000 ip 0x55d0c0a01320 0x4
 *   160 c1 [1001] madvise(0x7f3a5c180000, 131072, MADV_FREE=8)
 *   166 c1 [1001]   = 0
 *   170 c1 [1001] munmap(0x7f3a5c400000, 131072)
 *   174 c1 [1001]   = 0
 *   180 c1 packet end; 5 events discarded in [180, 400]
 *   200 c0 [1000] sched_process_fork child_tid=1002 child_pid=1002
 *   210 c0 [1000] fault 0x7f3a5c002020 ip 0x55d0c0a01260 0x7
 *   220 c0 [1000] brk(0x55d0c1a42000)
 *   224 c0 [1000]   = 0x55d0c1a42000
 *   230 c0 [1000] fault 0x55d0c1a21010 ip 0x55d0c0a01400 0x6
 *   240 c0 [1000] mprotect(0x7f3a5c1f0000, 65536, NONE)
 *   244 c0 [1000]   = 0
 *   250 c0 [1000] munmap(0x7f3a5d400000, 16384)
 *   254 c0 [1000]   = 0
 *   260 c1 packet begin
 *   270 c1 [1002] fault 0x7f3a5c001008 ip 0x55d0c0a01270 0x7
 *   300 c1 [1002] sched_process_exec "/usr/bin/true" (procname "true")
 *   350 c1 [1002] sched_process_exit comm "true"
 *   400 c1 packet end
 *   500 c0 packet end
 *
 * SCENARIO "empty-of-needed"
 *   Same environment, clock, stream class, streams, packets and the same
 *   discarded-events record (5 on CPU 1, [180, 400] us), but the only
 *   events are 4 sched_switch (2 per CPU, at 20 and 300 us on CPU 0, 78
 *   and 270 us on CPU 1).  sink.ctf.fs only declares the event classes
 *   that occur, so the metadata declares sched_switch alone: a trace
 *   with none of the events faultline needs.
 *
 * EVENT LAYOUTS (lttng-modules 2.13; "hex" = preferred display base 16)
 *   x86_exceptions_page_fault_user
 *     include/instrumentation/events/arch/x86/exceptions.h
 *     (x86_exceptions_class; CONFIG_LTTNG_EXPERIMENTAL_BITWISE_ENUM unset)
 *       address u64 hex, ip u64 hex, error_code u8 hex
 *   syscall_entry_* / syscall_exit_*  (x86-64)
 *     include/instrumentation/syscalls/headers/x86-64-syscalls_integers.h
 *     (munmap, mprotect, mremap, brk, madvise: all arguments sc_in, so
 *     they appear in the entry event only; exit events carry only ret)
 *     include/instrumentation/syscalls/headers/syscalls_integers_override.h
 *     (mmap overrides the generated layout: hex addr/ret, enum prot,
 *     flags split into a {type, options} structure)
 *       entry_mmap: addr u64 hex, len u64, prot enum(s32)
 *         {PROT_EXEC=4, PROT_READ=1, PROT_WRITE=2, PROT_NONE=0},
 *         flags struct { type enum(u4 hex) {MAP_SHARED=1, MAP_PRIVATE=2,
 *         MAP_SHARED_VALIDATE=3}, options enum(u28 hex) {<none>=0,
 *         MAP_* >> 4} }, fd s32, offset s64
 *       exit_mmap: ret u64 hex
 *       entry_munmap: addr u64, len u64        exit_munmap: ret s64
 *       entry_mprotect: start u64, len u64, prot u64
 *                                              exit_mprotect: ret s64
 *       entry_mremap: addr u64, old_len u64, new_len u64, flags u64,
 *         new_addr u64                         exit_mremap: ret s64
 *       entry_brk: brk u64                     exit_brk: ret s64
 *       entry_madvise: start u64, len_in u64, behavior s32
 *                                              exit_madvise: ret s64
 *   sched_switch, sched_process_fork, sched_process_exec,
 *   sched_process_exit
 *     include/instrumentation/events/sched.h
 *       sched_switch: prev_comm string, prev_tid s32, prev_prio s32,
 *         prev_state s64, next_comm string, next_tid s32, next_prio s32
 *       sched_process_fork: parent_comm string, parent_tid s32,
 *         parent_pid s32, parent_ns_inum u32, child_comm string,
 *         child_tid s32, _vtids_length u8, vtids s32[_vtids_length],
 *         child_pid s32, child_ns_inum u32
 *       sched_process_exec: filename string, tid s32, old_tid s32
 *       sched_process_exit (sched_process_template): comm string,
 *         tid s32, prio s32
 *   lttng_statedump_start, lttng_statedump_process_state,
 *   lttng_statedump_end
 *     include/instrumentation/events/lttng-statedump.h
 *       process_state: tid s32, pid s32, ppid s32, name string,
 *         type s32, mode s32, submode s32, status s32, cpu u32,
 *         file_table_address u64 hex;  start/end: no fields
 *   ctf_array_text(char, ..., 16) fields (comm, procname...) and
 *   ctf_string fields are strings in the trace IR; the sequence length
 *   field __vtids_length is seen as _vtids_length (babeltrace2 strips
 *   one leading underscore of CTF 1.8 field names).
 */

#include <babeltrace2/babeltrace.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define FIXTURE_TRACE_UUID "5e1f7a2c-8d4b-4c3e-9f60-1a2b3c4d5e6f"
#define FIXTURE_CLOCK_UUID "0b5e6c1d-2f3a-4b5c-8d9e-0f1a2b3c4d5e"

/* Monotonic clock value of scenario time 0: 1000 s of uptime. */
#define CLOCK_BASE_NS UINT64_C(1000000000000)
/* realtime - monotonic at session creation: 2023-11-14T22:13:20Z - 1000 s */
#define CLOCK_OFFSET_S INT64_C(1699999000)

#define NR_CPUS 2
#define MAX_FIELDS 12
#define MAX_NUMS 10
#define MAX_STRS 2

/* ------------------------------------------------------------------ */
/* Event class descriptions                                            */
/* ------------------------------------------------------------------ */

enum fkind {
	F_END = 0,
	F_U8_HEX,	/* unsigned char, ctf_integer_hex */
	F_S32,		/* int, pid_t */
	F_U32,		/* unsigned int */
	F_S64,		/* long, off_t */
	F_U64,		/* unsigned long, size_t */
	F_U64_HEX,	/* unsigned long / pointer, ctf_integer_hex */
	F_STR,		/* ctf_string or ctf_array_text */
	F_MMAP_PROT,	/* ctf_enum(lttng_mmap_protection, int, ...) */
	F_MMAP_FLAGS,	/* struct { type: u4 enum, options: u28 enum } */
	F_SEQ_LEN,	/* length field of the next F_SEQ_S32 (u8) */
	F_SEQ_S32,	/* ctf_sequence(pid_t, ..., u8, ...), one element */
};

struct field_def {
	const char *name;
	enum fkind kind;
};

struct event_def {
	const char *name;
	struct field_def fields[MAX_FIELDS];
};

enum ev_id {
	EV_STATEDUMP_START,
	EV_STATEDUMP_PROCESS_STATE,
	EV_STATEDUMP_END,
	EV_SCHED_SWITCH,
	EV_SCHED_PROCESS_FORK,
	EV_SCHED_PROCESS_EXEC,
	EV_SCHED_PROCESS_EXIT,
	EV_PAGE_FAULT_USER,
	EV_ENTRY_MMAP,
	EV_EXIT_MMAP,
	EV_ENTRY_MUNMAP,
	EV_EXIT_MUNMAP,
	EV_ENTRY_MPROTECT,
	EV_EXIT_MPROTECT,
	EV_ENTRY_MREMAP,
	EV_EXIT_MREMAP,
	EV_ENTRY_BRK,
	EV_EXIT_BRK,
	EV_ENTRY_MADVISE,
	EV_EXIT_MADVISE,
	EV_COUNT
};

static const struct event_def event_defs[EV_COUNT] = {
	/* include/instrumentation/events/lttng-statedump.h */
	[EV_STATEDUMP_START] = { "lttng_statedump_start", { { NULL, F_END } } },
	[EV_STATEDUMP_PROCESS_STATE] = { "lttng_statedump_process_state", {
		{ "tid", F_S32 },
		{ "pid", F_S32 },
		{ "ppid", F_S32 },
		{ "name", F_STR },
		{ "type", F_S32 },
		{ "mode", F_S32 },
		{ "submode", F_S32 },
		{ "status", F_S32 },
		{ "cpu", F_U32 },
		{ "file_table_address", F_U64_HEX },
	} },
	[EV_STATEDUMP_END] = { "lttng_statedump_end", { { NULL, F_END } } },

	/* include/instrumentation/events/sched.h (kernels >= 4.4) */
	[EV_SCHED_SWITCH] = { "sched_switch", {
		{ "prev_comm", F_STR },
		{ "prev_tid", F_S32 },
		{ "prev_prio", F_S32 },
		{ "prev_state", F_S64 },
		{ "next_comm", F_STR },
		{ "next_tid", F_S32 },
		{ "next_prio", F_S32 },
	} },
	/* include/instrumentation/events/sched.h (kernels >= 3.8) */
	[EV_SCHED_PROCESS_FORK] = { "sched_process_fork", {
		{ "parent_comm", F_STR },
		{ "parent_tid", F_S32 },
		{ "parent_pid", F_S32 },
		{ "parent_ns_inum", F_U32 },
		{ "child_comm", F_STR },
		{ "child_tid", F_S32 },
		{ "_vtids_length", F_SEQ_LEN },
		{ "vtids", F_SEQ_S32 },
		{ "child_pid", F_S32 },
		{ "child_ns_inum", F_U32 },
	} },
	/* include/instrumentation/events/sched.h (kernels >= 3.4) */
	[EV_SCHED_PROCESS_EXEC] = { "sched_process_exec", {
		{ "filename", F_STR },
		{ "tid", F_S32 },
		{ "old_tid", F_S32 },
	} },
	/* include/instrumentation/events/sched.h (sched_process_template) */
	[EV_SCHED_PROCESS_EXIT] = { "sched_process_exit", {
		{ "comm", F_STR },
		{ "tid", F_S32 },
		{ "prio", F_S32 },
	} },

	/* include/instrumentation/events/arch/x86/exceptions.h */
	[EV_PAGE_FAULT_USER] = { "x86_exceptions_page_fault_user", {
		{ "address", F_U64_HEX },
		{ "ip", F_U64_HEX },
		{ "error_code", F_U8_HEX },
	} },

	/* include/instrumentation/syscalls/headers/syscalls_integers_override.h */
	[EV_ENTRY_MMAP] = { "syscall_entry_mmap", {
		{ "addr", F_U64_HEX },
		{ "len", F_U64 },
		{ "prot", F_MMAP_PROT },
		{ "flags", F_MMAP_FLAGS },
		{ "fd", F_S32 },
		{ "offset", F_S64 },
	} },
	[EV_EXIT_MMAP] = { "syscall_exit_mmap", {
		{ "ret", F_U64_HEX },
	} },

	/* include/instrumentation/syscalls/headers/x86-64-syscalls_integers.h */
	[EV_ENTRY_MUNMAP] = { "syscall_entry_munmap", {
		{ "addr", F_U64 },
		{ "len", F_U64 },
	} },
	[EV_EXIT_MUNMAP] = { "syscall_exit_munmap", { { "ret", F_S64 } } },
	[EV_ENTRY_MPROTECT] = { "syscall_entry_mprotect", {
		{ "start", F_U64 },
		{ "len", F_U64 },
		{ "prot", F_U64 },
	} },
	[EV_EXIT_MPROTECT] = { "syscall_exit_mprotect", { { "ret", F_S64 } } },
	[EV_ENTRY_MREMAP] = { "syscall_entry_mremap", {
		{ "addr", F_U64 },
		{ "old_len", F_U64 },
		{ "new_len", F_U64 },
		{ "flags", F_U64 },
		{ "new_addr", F_U64 },
	} },
	[EV_EXIT_MREMAP] = { "syscall_exit_mremap", { { "ret", F_S64 } } },
	[EV_ENTRY_BRK] = { "syscall_entry_brk", { { "brk", F_U64 } } },
	[EV_EXIT_BRK] = { "syscall_exit_brk", { { "ret", F_S64 } } },
	[EV_ENTRY_MADVISE] = { "syscall_entry_madvise", {
		{ "start", F_U64 },
		{ "len_in", F_U64 },
		{ "behavior", F_S32 },
	} },
	[EV_EXIT_MADVISE] = { "syscall_exit_madvise", { { "ret", F_S64 } } },
};

/*
 * Mappings of the mmap enumerations, values as lttng-modules computes them
 * on x86_64 for kernels >= 4.17 (syscalls_integers_override.h): the
 * options are the mmap flags shifted right by the 4 bits of the mapping
 * type.
 */
struct enum_map {
	const char *label;
	uint64_t value;
};

static const struct enum_map mmap_prot_map[] = {
	{ "PROT_EXEC", 0x4 },
	{ "PROT_READ", 0x1 },
	{ "PROT_WRITE", 0x2 },
	{ "PROT_NONE", 0x0 },
};

static const struct enum_map mmap_type_map[] = {
	{ "MAP_SHARED", 0x1 },
	{ "MAP_PRIVATE", 0x2 },
	{ "MAP_SHARED_VALIDATE", 0x3 },
};

static const struct enum_map mmap_options_map[] = {
	{ "<none>", 0 },
	{ "MAP_32BIT", 0x40 >> 4 },
	{ "MAP_ANONYMOUS", 0x20 >> 4 },
	{ "MAP_DENYWRITE", 0x800 >> 4 },
	{ "MAP_EXECUTABLE", 0x1000 >> 4 },
	{ "MAP_FIXED", 0x10 >> 4 },
	{ "MAP_FIXED_NOREPLACE", 0x100000 >> 4 },
	{ "MAP_GROWSDOWN", 0x100 >> 4 },
	{ "MAP_HUGETLB", 0x40000 >> 4 },
	{ "MAP_HUGE_2MB", (UINT64_C(21) << 26) >> 4 },
	{ "MAP_HUGE_1GB", (UINT64_C(30) << 26) >> 4 },
	{ "MAP_LOCKED", 0x2000 >> 4 },
	{ "MAP_NONBLOCK", 0x10000 >> 4 },
	{ "MAP_NORESERVE", 0x4000 >> 4 },
	{ "MAP_POPULATE", 0x8000 >> 4 },
	{ "MAP_STACK", 0x20000 >> 4 },
	{ "MAP_SYNC", 0x80000 >> 4 },
	{ "MAP_UNINITIALIZED", 0x4000000 >> 4 },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* Scenarios                                                           */
/* ------------------------------------------------------------------ */

struct ev_ctx {
	const char *procname;
	int32_t pid;
	int32_t tid;
};

static const struct ev_ctx CTX_SESSIOND = { "lttng-sessiond", 1500, 1500 };
static const struct ev_ctx CTX_SWAPPER1 = { "swapper/1", 0, 0 };
static const struct ev_ctx CTX_1000 = { "fixture", 1000, 1000 };
static const struct ev_ctx CTX_1001 = { "fixture", 1000, 1001 };
static const struct ev_ctx CTX_1002 = { "fixture", 1002, 1002 };
static const struct ev_ctx CTX_1002_TRUE = { "true", 1002, 1002 };

enum step_kind {
	STEP_EVENT,
	STEP_PACKET_BEGIN,
	STEP_PACKET_END,
	STEP_DISCARDED,	/* nums[0] = end time (us), nums[1] = count */
};

/*
 * One step of a scenario.  An event's payload fields take their values
 * in order: numeric fields from nums[], string fields from strs[].
 */
struct step {
	uint64_t t_us;
	unsigned int cpu;
	enum step_kind kind;
	enum ev_id ev;
	const struct ev_ctx *ctx;
	uint64_t nums[MAX_NUMS];
	const char *strs[MAX_STRS];
};

#define NEG(x) ((uint64_t) (int64_t) (x))
#define N(...) .nums = { __VA_ARGS__ }
#define S(...) .strs = { __VA_ARGS__ }
#define EV(t, c, e, x, ...) \
	{ .t_us = (t), .cpu = (c), .kind = STEP_EVENT, .ev = (e), \
	  .ctx = &(x), __VA_ARGS__ }
#define PKT_BEGIN(t, c) { .t_us = (t), .cpu = (c), .kind = STEP_PACKET_BEGIN }
#define PKT_END(t, c) { .t_us = (t), .cpu = (c), .kind = STEP_PACKET_END }
#define DISCARDED(t, c, end, count) \
	{ .t_us = (t), .cpu = (c), .kind = STEP_DISCARDED, N((end), (count)) }

#define PID_NS_INUM UINT64_C(4026531836)	/* initial pid namespace */

#define PF(t, c, x, addr, ip, ec) \
	EV(t, c, EV_PAGE_FAULT_USER, x, N((addr), (ip), (ec)))

static const struct step default_steps[] = {
	PKT_BEGIN(0, 0),
	PKT_BEGIN(0, 1),
	EV(10, 0, EV_STATEDUMP_START, CTX_SESSIOND, N(0)),
	/* type 0 = user thread, mode 5 = unknown, submode 1 = unknown,
	 * status 5 = wait (src/lttng-statedump-impl.c enums) */
	EV(11, 0, EV_STATEDUMP_PROCESS_STATE, CTX_SESSIOND,
	   N(1000, 1000, 1, 0, 5, 1, 5, 0, UINT64_C(0xffff888104c3e800)),
	   S("fixture")),
	EV(12, 0, EV_STATEDUMP_END, CTX_SESSIOND, N(0)),
	EV(20, 0, EV_SCHED_SWITCH, CTX_SESSIOND,
	   N(1500, 20, 1, 1000, 20), S("lttng-sessiond", "fixture")),
	/* mmap(NULL, 2 MiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS) */
	EV(30, 0, EV_ENTRY_MMAP, CTX_1000, N(0, 2097152, 3, 0x22, NEG(-1), 0)),
	EV(35, 0, EV_EXIT_MMAP, CTX_1000, N(UINT64_C(0x7f3a5c000000))),
	PF(40, 0, CTX_1000, UINT64_C(0x7f3a5c000000), UINT64_C(0x55d0c0a01234), 0x6),
	PF(45, 0, CTX_1000, UINT64_C(0x7f3a5c001000), UINT64_C(0x55d0c0a01234), 0x6),
	PF(50, 0, CTX_1000, UINT64_C(0x7f3a5c002010), UINT64_C(0x55d0c0a01258), 0x4),
	/* pthread_create(): stack + guard page, then mprotect above guard */
	EV(60, 0, EV_ENTRY_MMAP, CTX_1000, N(0, 8392704, 0, 0x20022, NEG(-1), 0)),
	EV(63, 0, EV_EXIT_MMAP, CTX_1000, N(UINT64_C(0x7f3a5b7ff000))),
	EV(65, 0, EV_ENTRY_MPROTECT, CTX_1000,
	   N(UINT64_C(0x7f3a5b800000), 8388608, 3)),
	EV(68, 0, EV_EXIT_MPROTECT, CTX_1000, N(0)),
	/* clone(CLONE_VM|CLONE_THREAD...): child_pid is the parent's tgid */
	EV(75, 0, EV_SCHED_PROCESS_FORK, CTX_1000,
	   N(1000, 1000, PID_NS_INUM, 1001, 1001, 1000, PID_NS_INUM),
	   S("fixture", "fixture")),
	EV(78, 1, EV_SCHED_SWITCH, CTX_SWAPPER1,
	   N(0, 20, 0, 1001, 20), S("swapper/1", "fixture")),
	PF(80, 1, CTX_1001, UINT64_C(0x7f3a5bffee38), UINT64_C(0x7f3a5d6a3b10), 0x6),
	PF(90, 1, CTX_1001, UINT64_C(0x7f3a5c003000), UINT64_C(0x55d0c0a01300), 0x6),
	/* mmap(NULL, 16 KiB, PROT_READ|PROT_EXEC, MAP_PRIVATE, 3, 0) */
	EV(100, 0, EV_ENTRY_MMAP, CTX_1000, N(0, 16384, 5, 0x2, 3, 0)),
	EV(104, 0, EV_EXIT_MMAP, CTX_1000, N(UINT64_C(0x7f3a5d400000))),
	PF(110, 0, CTX_1000, UINT64_C(0x7f3a5d400000), UINT64_C(0x7f3a5d6c2f10), 0x4),
	PF(115, 0, CTX_1000, UINT64_C(0x7f3a5d401a30), UINT64_C(0x7f3a5d401a30), 0x14),
	/* madvise(MADV_DONTNEED) */
	EV(120, 1, EV_ENTRY_MADVISE, CTX_1001, N(UINT64_C(0x7f3a5c000000), 65536, 4)),
	EV(126, 1, EV_EXIT_MADVISE, CTX_1001, N(0)),
	PF(130, 0, CTX_1000, UINT64_C(0x7f3a5c000100), UINT64_C(0x55d0c0a01234), 0x6),
	/* mremap(..., MREMAP_MAYMOVE): grows and moves */
	EV(140, 1, EV_ENTRY_MREMAP, CTX_1001,
	   N(UINT64_C(0x7f3a5c100000), 65536, 131072, 1, 0)),
	EV(145, 1, EV_EXIT_MREMAP, CTX_1001, N(UINT64_C(0x7f3a5c400000))),
	PF(150, 1, CTX_1001, UINT64_C(0x7f3a5c410000), UINT64_C(0x55d0c0a01320), 0x4),
	/* madvise(MADV_FREE) */
	EV(160, 1, EV_ENTRY_MADVISE, CTX_1001, N(UINT64_C(0x7f3a5c180000), 131072, 8)),
	EV(166, 1, EV_EXIT_MADVISE, CTX_1001, N(0)),
	EV(170, 1, EV_ENTRY_MUNMAP, CTX_1001, N(UINT64_C(0x7f3a5c400000), 131072)),
	EV(174, 1, EV_EXIT_MUNMAP, CTX_1001, N(0)),
	PKT_END(180, 1),
	DISCARDED(180, 1, 400, 5),
	/* fork(): a new process */
	EV(200, 0, EV_SCHED_PROCESS_FORK, CTX_1000,
	   N(1000, 1000, PID_NS_INUM, 1002, 1002, 1002, PID_NS_INUM),
	   S("fixture", "fixture")),
	PF(210, 0, CTX_1000, UINT64_C(0x7f3a5c002020), UINT64_C(0x55d0c0a01260), 0x7),
	EV(220, 0, EV_ENTRY_BRK, CTX_1000, N(UINT64_C(0x55d0c1a42000))),
	EV(224, 0, EV_EXIT_BRK, CTX_1000, N(UINT64_C(0x55d0c1a42000))),
	PF(230, 0, CTX_1000, UINT64_C(0x55d0c1a21010), UINT64_C(0x55d0c0a01400), 0x6),
	EV(240, 0, EV_ENTRY_MPROTECT, CTX_1000, N(UINT64_C(0x7f3a5c1f0000), 65536, 0)),
	EV(244, 0, EV_EXIT_MPROTECT, CTX_1000, N(0)),
	EV(250, 0, EV_ENTRY_MUNMAP, CTX_1000, N(UINT64_C(0x7f3a5d400000), 16384)),
	EV(254, 0, EV_EXIT_MUNMAP, CTX_1000, N(0)),
	PKT_BEGIN(260, 1),
	PF(270, 1, CTX_1002, UINT64_C(0x7f3a5c001008), UINT64_C(0x55d0c0a01270), 0x7),
	EV(300, 1, EV_SCHED_PROCESS_EXEC, CTX_1002_TRUE,
	   N(1002, 1002), S("/usr/bin/true")),
	EV(350, 1, EV_SCHED_PROCESS_EXIT, CTX_1002_TRUE, N(1002, 20), S("true")),
	PKT_END(400, 1),
	PKT_END(500, 0),
};

static const struct step empty_of_needed_steps[] = {
	PKT_BEGIN(0, 0),
	PKT_BEGIN(0, 1),
	EV(20, 0, EV_SCHED_SWITCH, CTX_SESSIOND,
	   N(1500, 20, 1, 1000, 20), S("lttng-sessiond", "fixture")),
	EV(78, 1, EV_SCHED_SWITCH, CTX_SWAPPER1,
	   N(0, 20, 0, 1001, 20), S("swapper/1", "fixture")),
	PKT_END(180, 1),
	DISCARDED(180, 1, 400, 5),
	PKT_BEGIN(260, 1),
	EV(270, 1, EV_SCHED_SWITCH, CTX_1001,
	   N(1001, 20, 1, 0, 20), S("fixture", "swapper/1")),
	EV(300, 0, EV_SCHED_SWITCH, CTX_1000,
	   N(1000, 20, 1, 0, 20), S("fixture", "swapper/0")),
	PKT_END(400, 1),
	PKT_END(500, 0),
};

struct scenario {
	const char *name;
	const char *summary;
	const struct step *steps;
	size_t nr_steps;
};

static const struct scenario scenarios[] = {
	{ "default",
	  "43 events: 12 page faults, 11 mm syscall pairs, fork/exec/exit, "
	  "2 sched_switch, statedump; 5 events discarded on CPU 1",
	  default_steps, ARRAY_LEN(default_steps) },
	{ "empty-of-needed",
	  "4 sched_switch events only; 5 events discarded on CPU 1",
	  empty_of_needed_steps, ARRAY_LEN(empty_of_needed_steps) },
};

/* ------------------------------------------------------------------ */
/* Source component                                                    */
/* ------------------------------------------------------------------ */

struct src_data {
	const struct scenario *scenario;
	bt_trace_class *tc;
	bt_stream_class *sc;
	bt_clock_class *cc;
	bt_event_class *ecs[EV_COUNT];
	bt_trace *trace;
	bt_stream *streams[NR_CPUS];
};

struct iter_data {
	struct src_data *src;
	bt_packet *packets[NR_CPUS];
	size_t next_step;
	unsigned int phase;	/* 0: stream begin, 1: steps, 2: stream end, 3: done */
	unsigned int next_stream;
};

static bool parse_uuid(const char *s, uint8_t out[16])
{
	size_t n = 0;

	for (size_t i = 0; s[i] != '\0' && n < 32; i++) {
		char ch = s[i];
		int v;

		if (ch == '-') {
			continue;
		} else if (ch >= '0' && ch <= '9') {
			v = ch - '0';
		} else if (ch >= 'a' && ch <= 'f') {
			v = ch - 'a' + 10;
		} else if (ch >= 'A' && ch <= 'F') {
			v = ch - 'A' + 10;
		} else {
			return false;
		}

		if (n % 2 == 0) {
			out[n / 2] = (uint8_t) (v << 4);
		} else {
			out[n / 2] |= (uint8_t) v;
		}
		n++;
	}

	return n == 32;
}

static bt_field_class *int_fc(bt_trace_class *tc, bool is_signed,
		unsigned int size, bool hex)
{
	bt_field_class *fc = is_signed ?
		bt_field_class_integer_signed_create(tc) :
		bt_field_class_integer_unsigned_create(tc);

	if (!fc) {
		return NULL;
	}

	bt_field_class_integer_set_field_value_range(fc, size);
	bt_field_class_integer_set_preferred_display_base(fc, hex ?
		BT_FIELD_CLASS_INTEGER_PREFERRED_DISPLAY_BASE_HEXADECIMAL :
		BT_FIELD_CLASS_INTEGER_PREFERRED_DISPLAY_BASE_DECIMAL);
	return fc;
}

static bt_field_class *enum_fc(bt_trace_class *tc, bool is_signed,
		unsigned int size, bool hex, const struct enum_map *map,
		size_t nr_map)
{
	bt_field_class *fc = is_signed ?
		bt_field_class_enumeration_signed_create(tc) :
		bt_field_class_enumeration_unsigned_create(tc);

	if (!fc) {
		return NULL;
	}

	bt_field_class_integer_set_field_value_range(fc, size);
	bt_field_class_integer_set_preferred_display_base(fc, hex ?
		BT_FIELD_CLASS_INTEGER_PREFERRED_DISPLAY_BASE_HEXADECIMAL :
		BT_FIELD_CLASS_INTEGER_PREFERRED_DISPLAY_BASE_DECIMAL);

	for (size_t i = 0; i < nr_map; i++) {
		int status;

		if (is_signed) {
			bt_integer_range_set_signed *rs =
				bt_integer_range_set_signed_create();

			if (!rs) {
				goto error;
			}
			status = bt_integer_range_set_signed_add_range(rs,
				(int64_t) map[i].value, (int64_t) map[i].value);
			if (status == 0) {
				status = bt_field_class_enumeration_signed_add_mapping(
					fc, map[i].label, rs);
			}
			bt_integer_range_set_signed_put_ref(rs);
		} else {
			bt_integer_range_set_unsigned *rs =
				bt_integer_range_set_unsigned_create();

			if (!rs) {
				goto error;
			}
			status = bt_integer_range_set_unsigned_add_range(rs,
				map[i].value, map[i].value);
			if (status == 0) {
				status = bt_field_class_enumeration_unsigned_add_mapping(
					fc, map[i].label, rs);
			}
			bt_integer_range_set_unsigned_put_ref(rs);
		}

		if (status != 0) {
			goto error;
		}
	}

	return fc;

error:
	bt_field_class_put_ref(fc);
	return NULL;
}

static int struct_append(bt_field_class *st, const char *name,
		bt_field_class *member)
{
	int ret = -1;

	if (member && bt_field_class_structure_append_member(st, name,
			member) == BT_FIELD_CLASS_STRUCTURE_APPEND_MEMBER_STATUS_OK) {
		ret = 0;
	}

	bt_field_class_put_ref(member);
	return ret;
}

static bt_field_class *mmap_flags_fc(bt_trace_class *tc)
{
	bt_field_class *st = bt_field_class_structure_create(tc);

	if (!st) {
		return NULL;
	}

	if (struct_append(st, "type", enum_fc(tc, false, 4, true,
			mmap_type_map, ARRAY_LEN(mmap_type_map))) ||
	    struct_append(st, "options", enum_fc(tc, false, 28, true,
			mmap_options_map, ARRAY_LEN(mmap_options_map)))) {
		bt_field_class_put_ref(st);
		return NULL;
	}

	return st;
}

static bt_field_class *payload_fc(bt_trace_class *tc,
		const struct event_def *def)
{
	bt_field_class *st = bt_field_class_structure_create(tc);
	bt_field_class *seq_len = NULL;

	if (!st) {
		return NULL;
	}

	for (size_t i = 0; i < MAX_FIELDS && def->fields[i].kind != F_END; i++) {
		const struct field_def *f = &def->fields[i];
		bt_field_class *fc = NULL;

		switch (f->kind) {
		case F_U8_HEX:
			fc = int_fc(tc, false, 8, true);
			break;
		case F_S32:
			fc = int_fc(tc, true, 32, false);
			break;
		case F_U32:
			fc = int_fc(tc, false, 32, false);
			break;
		case F_S64:
			fc = int_fc(tc, true, 64, false);
			break;
		case F_U64:
			fc = int_fc(tc, false, 64, false);
			break;
		case F_U64_HEX:
			fc = int_fc(tc, false, 64, true);
			break;
		case F_STR:
			fc = bt_field_class_string_create(tc);
			break;
		case F_MMAP_PROT:
			fc = enum_fc(tc, true, 32, false, mmap_prot_map,
				ARRAY_LEN(mmap_prot_map));
			break;
		case F_MMAP_FLAGS:
			fc = mmap_flags_fc(tc);
			break;
		case F_SEQ_LEN:
			fc = int_fc(tc, false, 8, false);
			seq_len = fc;
			break;
		case F_SEQ_S32: {
			bt_field_class *elem = int_fc(tc, true, 32, false);

			if (elem && seq_len) {
				fc = bt_field_class_array_dynamic_create(tc,
					elem, seq_len);
			}
			bt_field_class_put_ref(elem);
			seq_len = NULL;
			break;
		}
		case F_END:
			break;
		}

		if (struct_append(st, f->name, fc)) {
			fprintf(stderr, "mkfixture: cannot create field class %s.%s\n",
				def->name, f->name);
			bt_field_class_put_ref(st);
			return NULL;
		}
	}

	return st;
}

static int build_trace_class(struct src_data *d, bt_self_component *self)
{
	bt_field_class *fc = NULL;
	uint8_t uuid[16];

	d->tc = bt_trace_class_create(self);
	if (!d->tc) {
		return -1;
	}

	/* Clock class: what lttng-modules declares as clock "monotonic". */
	d->cc = bt_clock_class_create(self);
	if (!d->cc) {
		return -1;
	}
	if (bt_clock_class_set_name(d->cc, "monotonic") ||
	    bt_clock_class_set_description(d->cc, "Monotonic Clock")) {
		return -1;
	}
	bt_clock_class_set_frequency(d->cc, UINT64_C(1000000000));
	bt_clock_class_set_offset(d->cc, CLOCK_OFFSET_S, 0);
	bt_clock_class_set_origin_is_unix_epoch(d->cc, BT_FALSE);
	if (!parse_uuid(FIXTURE_CLOCK_UUID, uuid)) {
		return -1;
	}
	bt_clock_class_set_uuid(d->cc, uuid);

	/* Stream class: one per LTTng channel ("channel0"). */
	d->sc = bt_stream_class_create(d->tc);
	if (!d->sc) {
		return -1;
	}
	if (bt_stream_class_set_name(d->sc, "channel0") ||
	    bt_stream_class_set_default_clock_class(d->sc, d->cc)) {
		return -1;
	}
	bt_stream_class_set_assigns_automatic_stream_id(d->sc, BT_FALSE);
	bt_stream_class_set_supports_packets(d->sc, BT_TRUE, BT_TRUE, BT_TRUE);
	bt_stream_class_set_supports_discarded_events(d->sc, BT_TRUE, BT_TRUE);

	/* Packet context: lttng-modules' struct packet_context user field. */
	fc = bt_field_class_structure_create(d->tc);
	if (!fc || struct_append(fc, "cpu_id", int_fc(d->tc, false, 32, false))) {
		goto error;
	}
	if (bt_stream_class_set_packet_context_field_class(d->sc, fc)) {
		goto error;
	}
	BT_FIELD_CLASS_PUT_REF_AND_RESET(fc);

	/* Event common context: lttng add-context -k -t procname -t pid -t tid */
	fc = bt_field_class_structure_create(d->tc);
	if (!fc ||
	    struct_append(fc, "procname", bt_field_class_string_create(d->tc)) ||
	    struct_append(fc, "pid", int_fc(d->tc, true, 32, false)) ||
	    struct_append(fc, "tid", int_fc(d->tc, true, 32, false))) {
		goto error;
	}
	if (bt_stream_class_set_event_common_context_field_class(d->sc, fc)) {
		goto error;
	}
	BT_FIELD_CLASS_PUT_REF_AND_RESET(fc);

	for (size_t i = 0; i < EV_COUNT; i++) {
		d->ecs[i] = bt_event_class_create(d->sc);
		if (!d->ecs[i]) {
			return -1;
		}
		if (bt_event_class_set_name(d->ecs[i], event_defs[i].name)) {
			return -1;
		}
		fc = payload_fc(d->tc, &event_defs[i]);
		if (!fc) {
			return -1;
		}
		if (bt_event_class_set_payload_field_class(d->ecs[i], fc)) {
			goto error;
		}
		BT_FIELD_CLASS_PUT_REF_AND_RESET(fc);
	}

	/* Trace, environment (src/lttng-events.c) and one stream per CPU. */
	d->trace = bt_trace_create(d->tc);
	if (!d->trace) {
		return -1;
	}
	if (!parse_uuid(FIXTURE_TRACE_UUID, uuid)) {
		return -1;
	}
	bt_trace_set_uuid(d->trace, uuid);
	if (bt_trace_set_name(d->trace, "fixture-session") ||
	    bt_trace_set_environment_entry_string(d->trace, "hostname", "fixture-host") ||
	    bt_trace_set_environment_entry_string(d->trace, "domain", "kernel") ||
	    bt_trace_set_environment_entry_string(d->trace, "sysname", "Linux") ||
	    bt_trace_set_environment_entry_string(d->trace, "kernel_release",
		    "5.15.0-91-generic") ||
	    bt_trace_set_environment_entry_string(d->trace, "kernel_version",
		    "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023") ||
	    bt_trace_set_environment_entry_string(d->trace, "tracer_name",
		    "lttng-modules") ||
	    bt_trace_set_environment_entry_integer(d->trace, "tracer_major", 2) ||
	    bt_trace_set_environment_entry_integer(d->trace, "tracer_minor", 13) ||
	    bt_trace_set_environment_entry_integer(d->trace, "tracer_patchlevel", 10) ||
	    bt_trace_set_environment_entry_string(d->trace, "trace_buffering_scheme",
		    "global") ||
	    bt_trace_set_environment_entry_string(d->trace, "trace_name",
		    "fixture-session") ||
	    bt_trace_set_environment_entry_string(d->trace, "trace_creation_datetime",
		    "20231114T221320+0000")) {
		return -1;
	}

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		char name[32];

		d->streams[cpu] = bt_stream_create_with_id(d->sc, d->trace, cpu);
		if (!d->streams[cpu]) {
			return -1;
		}
		snprintf(name, sizeof(name), "channel0_%u", cpu);
		if (bt_stream_set_name(d->streams[cpu], name)) {
			return -1;
		}
	}

	return 0;

error:
	bt_field_class_put_ref(fc);
	return -1;
}

static void src_data_destroy(struct src_data *d)
{
	if (!d) {
		return;
	}

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		bt_stream_put_ref(d->streams[cpu]);
	}
	bt_trace_put_ref(d->trace);
	for (size_t i = 0; i < EV_COUNT; i++) {
		bt_event_class_put_ref(d->ecs[i]);
	}
	bt_stream_class_put_ref(d->sc);
	bt_clock_class_put_ref(d->cc);
	bt_trace_class_put_ref(d->tc);
	free(d);
}

static int check_scenario(const struct scenario *sc)
{
	uint64_t last = 0;
	bool open[NR_CPUS] = { false };

	for (size_t i = 0; i < sc->nr_steps; i++) {
		const struct step *s = &sc->steps[i];

		if (s->t_us < last || s->cpu >= NR_CPUS) {
			fprintf(stderr, "mkfixture: scenario %s: step %zu out of order\n",
				sc->name, i);
			return -1;
		}
		last = s->t_us;

		switch (s->kind) {
		case STEP_PACKET_BEGIN:
			if (open[s->cpu]) {
				goto bad;
			}
			open[s->cpu] = true;
			break;
		case STEP_PACKET_END:
		case STEP_EVENT:
			if (!open[s->cpu]) {
				goto bad;
			}
			if (s->kind == STEP_PACKET_END) {
				open[s->cpu] = false;
			}
			break;
		case STEP_DISCARDED:
			if (open[s->cpu]) {
				goto bad;
			}
			break;
		}
	}

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		if (open[cpu]) {
			goto bad;
		}
	}

	return 0;

bad:
	fprintf(stderr, "mkfixture: scenario %s: bad packet structure\n",
		sc->name);
	return -1;
}

static bt_component_class_initialize_method_status src_init(
		bt_self_component_source *self_src,
		bt_self_component_source_configuration *config,
		const bt_value *params, void *init_data)
{
	bt_self_component *self =
		bt_self_component_source_as_self_component(self_src);
	struct src_data *d = calloc(1, sizeof(*d));

	(void) config;
	(void) params;

	if (!d) {
		return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_MEMORY_ERROR;
	}

	d->scenario = init_data;
	if (check_scenario(d->scenario) || build_trace_class(d, self)) {
		src_data_destroy(d);
		return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_ERROR;
	}

	if (bt_self_component_source_add_output_port(self_src, "out", NULL,
			NULL) != BT_SELF_COMPONENT_ADD_PORT_STATUS_OK) {
		src_data_destroy(d);
		return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_ERROR;
	}

	bt_self_component_set_data(self, d);
	return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_OK;
}

static void src_finalize(bt_self_component_source *self_src)
{
	src_data_destroy(bt_self_component_get_data(
		bt_self_component_source_as_self_component(self_src)));
}

static bt_message_iterator_class_initialize_method_status iter_init(
		bt_self_message_iterator *self_iter,
		bt_self_message_iterator_configuration *config,
		bt_self_component_port_output *port)
{
	struct iter_data *it = calloc(1, sizeof(*it));

	(void) config;
	(void) port;

	if (!it) {
		return BT_MESSAGE_ITERATOR_CLASS_INITIALIZE_METHOD_STATUS_MEMORY_ERROR;
	}

	it->src = bt_self_component_get_data(
		bt_self_message_iterator_borrow_component(self_iter));
	bt_self_message_iterator_set_data(self_iter, it);
	return BT_MESSAGE_ITERATOR_CLASS_INITIALIZE_METHOD_STATUS_OK;
}

static void iter_finalize(bt_self_message_iterator *self_iter)
{
	struct iter_data *it = bt_self_message_iterator_get_data(self_iter);

	if (!it) {
		return;
	}

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		bt_packet_put_ref(it->packets[cpu]);
	}
	free(it);
}

static uint64_t clock_ns(uint64_t t_us)
{
	return CLOCK_BASE_NS + t_us * UINT64_C(1000);
}

static int set_int(bt_field *f, bool is_signed, uint64_t v)
{
	if (!f) {
		return -1;
	}
	if (is_signed) {
		bt_field_integer_signed_set_value(f, (int64_t) v);
	} else {
		bt_field_integer_unsigned_set_value(f, v);
	}
	return 0;
}

static int fill_event(bt_event *ev, const struct step *s)
{
	const struct event_def *def = &event_defs[s->ev];
	bt_field *ctx = bt_event_borrow_common_context_field(ev);
	bt_field *payload = bt_event_borrow_payload_field(ev);
	size_t ni = 0, si = 0;

	if (!ctx || !payload) {
		return -1;
	}

	if (bt_field_string_set_value(
			bt_field_structure_borrow_member_field_by_index(ctx, 0),
			s->ctx->procname) ||
	    set_int(bt_field_structure_borrow_member_field_by_index(ctx, 1),
			true, (uint64_t) s->ctx->pid) ||
	    set_int(bt_field_structure_borrow_member_field_by_index(ctx, 2),
			true, (uint64_t) s->ctx->tid)) {
		return -1;
	}

	for (size_t i = 0; i < MAX_FIELDS && def->fields[i].kind != F_END; i++) {
		bt_field *f = bt_field_structure_borrow_member_field_by_index(
			payload, i);
		int ret = -1;

		if (!f) {
			return -1;
		}

		switch (def->fields[i].kind) {
		case F_U8_HEX:
		case F_U32:
		case F_U64:
		case F_U64_HEX:
			ret = set_int(f, false, s->nums[ni++]);
			break;
		case F_S32:
		case F_S64:
		case F_MMAP_PROT:
			ret = set_int(f, true, s->nums[ni++]);
			break;
		case F_STR:
			ret = bt_field_string_set_value(f, s->strs[si++]) ? -1 : 0;
			break;
		case F_MMAP_FLAGS: {
			uint64_t flags = s->nums[ni++];

			ret = set_int(bt_field_structure_borrow_member_field_by_index(
					f, 0), false, flags & 0xf);
			if (ret == 0) {
				ret = set_int(bt_field_structure_borrow_member_field_by_index(
					f, 1), false, (flags >> 4) & 0xfffffff);
			}
			break;
		}
		case F_SEQ_LEN:
			/* Every pid namespace level list here has one level. */
			ret = set_int(f, false, 1);
			break;
		case F_SEQ_S32:
			if (bt_field_array_dynamic_set_length(f, 1) !=
					BT_FIELD_DYNAMIC_ARRAY_SET_LENGTH_STATUS_OK) {
				break;
			}
			ret = set_int(bt_field_array_borrow_element_field_by_index(f, 0),
				true, s->nums[ni++]);
			break;
		case F_END:
			break;
		}

		if (ret || ni > MAX_NUMS || si > MAX_STRS) {
			fprintf(stderr, "mkfixture: cannot set field %s.%s\n",
				def->name, def->fields[i].name);
			return -1;
		}
	}

	return 0;
}

static const bt_message *make_step_message(bt_self_message_iterator *self_iter,
		struct iter_data *it, const struct step *s)
{
	struct src_data *d = it->src;
	bt_stream *stream = d->streams[s->cpu];
	bt_message *msg = NULL;

	switch (s->kind) {
	case STEP_PACKET_BEGIN: {
		bt_field *pctx;

		it->packets[s->cpu] = bt_packet_create(stream);
		if (!it->packets[s->cpu]) {
			return NULL;
		}
		pctx = bt_packet_borrow_context_field(it->packets[s->cpu]);
		if (!pctx || set_int(bt_field_structure_borrow_member_field_by_index(
				pctx, 0), false, s->cpu)) {
			return NULL;
		}
		msg = bt_message_packet_beginning_create_with_default_clock_snapshot(
			self_iter, it->packets[s->cpu], clock_ns(s->t_us));
		break;
	}
	case STEP_PACKET_END:
		msg = bt_message_packet_end_create_with_default_clock_snapshot(
			self_iter, it->packets[s->cpu], clock_ns(s->t_us));
		BT_PACKET_PUT_REF_AND_RESET(it->packets[s->cpu]);
		break;
	case STEP_DISCARDED:
		msg = bt_message_discarded_events_create_with_default_clock_snapshots(
			self_iter, stream, clock_ns(s->t_us), clock_ns(s->nums[0]));
		if (msg) {
			bt_message_discarded_events_set_count(msg, s->nums[1]);
		}
		break;
	case STEP_EVENT:
		msg = bt_message_event_create_with_packet_and_default_clock_snapshot(
			self_iter, d->ecs[s->ev], it->packets[s->cpu],
			clock_ns(s->t_us));
		if (msg && fill_event(bt_message_event_borrow_event(msg), s)) {
			BT_MESSAGE_PUT_REF_AND_RESET(msg);
		}
		break;
	}

	return msg;
}

static bt_message_iterator_class_next_method_status iter_next(
		bt_self_message_iterator *self_iter,
		bt_message_array_const msgs, uint64_t capacity, uint64_t *count)
{
	struct iter_data *it = bt_self_message_iterator_get_data(self_iter);
	const struct scenario *sc = it->src->scenario;
	uint64_t n = 0;

	while (n < capacity && it->phase < 3) {
		const bt_message *msg = NULL;

		switch (it->phase) {
		case 0:
			msg = bt_message_stream_beginning_create(self_iter,
				it->src->streams[it->next_stream]);
			if (++it->next_stream == NR_CPUS) {
				it->phase = 1;
				it->next_stream = 0;
			}
			break;
		case 1:
			if (it->next_step == sc->nr_steps) {
				it->phase = 2;
				continue;
			}
			msg = make_step_message(self_iter, it,
				&sc->steps[it->next_step++]);
			break;
		case 2:
			msg = bt_message_stream_end_create(self_iter,
				it->src->streams[it->next_stream]);
			if (++it->next_stream == NR_CPUS) {
				it->phase = 3;
			}
			break;
		default:
			break;
		}

		if (!msg) {
			for (uint64_t i = 0; i < n; i++) {
				bt_message_put_ref(msgs[i]);
			}
			return BT_MESSAGE_ITERATOR_CLASS_NEXT_METHOD_STATUS_ERROR;
		}
		msgs[n++] = msg;
	}

	*count = n;
	if (n == 0) {
		return BT_MESSAGE_ITERATOR_CLASS_NEXT_METHOD_STATUS_END;
	}
	return BT_MESSAGE_ITERATOR_CLASS_NEXT_METHOD_STATUS_OK;
}

/* ------------------------------------------------------------------ */
/* Output post-processing: fixed trace UUID                            */
/* ------------------------------------------------------------------ */

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	long size;
	int ret = -1;

	*buf = NULL;
	*len = 0;
	if (!fp) {
		return -1;
	}
	if (fseek(fp, 0, SEEK_END) || (size = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET)) {
		goto end;
	}
	*buf = malloc((size_t) size + 1);
	if (!*buf) {
		goto end;
	}
	if (fread(*buf, 1, (size_t) size, fp) != (size_t) size) {
		goto end;
	}
	(*buf)[size] = '\0';
	*len = (size_t) size;
	ret = 0;

end:
	if (ret) {
		free(*buf);
		*buf = NULL;
	}
	fclose(fp);
	return ret;
}

static int write_file(const char *path, const uint8_t *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");
	int ret = 0;

	if (!fp) {
		return -1;
	}
	if (fwrite(buf, 1, len, fp) != len) {
		ret = -1;
	}
	if (fclose(fp)) {
		ret = -1;
	}
	return ret;
}

static size_t replace_bytes(uint8_t *buf, size_t len, const uint8_t *from,
		const uint8_t *to, size_t n)
{
	size_t count = 0;

	for (size_t i = 0; i + n <= len; i++) {
		if (memcmp(buf + i, from, n) == 0) {
			memcpy(buf + i, to, n);
			count++;
			i += n - 1;
		}
	}
	return count;
}

static int fix_trace_uuid(const char *outdir)
{
	char path[4096];
	uint8_t *meta = NULL, *data = NULL;
	size_t meta_len, data_len;
	uint8_t old_uuid[16], new_uuid[16];
	char old_str[37];
	const char *trace_blk, *p;
	DIR *dir = NULL;
	struct dirent *de;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/metadata", outdir);
	if (read_file(path, &meta, &meta_len)) {
		fprintf(stderr, "mkfixture: cannot read %s\n", path);
		goto end;
	}

	/* The trace UUID is the first `uuid = "..."` of the `trace` block. */
	trace_blk = strstr((const char *) meta, "\ntrace {");
	p = trace_blk ? strstr(trace_blk, "uuid = \"") : NULL;
	if (!p || strlen(p) < 8 + 36) {
		fprintf(stderr, "mkfixture: no trace UUID in %s\n", path);
		goto end;
	}
	p += 8;
	memcpy(old_str, p, 36);
	old_str[36] = '\0';
	if (!parse_uuid(old_str, old_uuid) ||
	    !parse_uuid(FIXTURE_TRACE_UUID, new_uuid)) {
		fprintf(stderr, "mkfixture: bad trace UUID \"%s\"\n", old_str);
		goto end;
	}

	if (replace_bytes(meta, meta_len, (const uint8_t *) old_str,
			(const uint8_t *) FIXTURE_TRACE_UUID, 36) == 0 ||
	    write_file(path, meta, meta_len)) {
		fprintf(stderr, "mkfixture: cannot rewrite %s\n", path);
		goto end;
	}

	dir = opendir(outdir);
	if (!dir) {
		goto end;
	}
	while ((de = readdir(dir)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.' || strcmp(de->d_name, "metadata") == 0) {
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", outdir, de->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode)) {
			continue;
		}
		if (read_file(path, &data, &data_len)) {
			fprintf(stderr, "mkfixture: cannot read %s\n", path);
			goto end;
		}
		if (replace_bytes(data, data_len, old_uuid, new_uuid, 16) == 0 ||
		    write_file(path, data, data_len)) {
			fprintf(stderr, "mkfixture: cannot rewrite UUID in %s\n",
				path);
			goto end;
		}
		free(data);
		data = NULL;
	}

	ret = 0;

end:
	if (dir) {
		closedir(dir);
	}
	free(data);
	free(meta);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Graph                                                               */
/* ------------------------------------------------------------------ */

static void print_bt_error(const char *what)
{
	const bt_error *err = bt_current_thread_take_error();

	fprintf(stderr, "mkfixture: %s\n", what);
	if (!err) {
		return;
	}
	for (uint64_t i = 0; i < bt_error_get_cause_count(err); i++) {
		const bt_error_cause *cause =
			bt_error_borrow_cause_by_index(err, i);

		fprintf(stderr, "  %s: %s\n",
			bt_error_cause_get_module_name(cause),
			bt_error_cause_get_message(cause));
	}
	bt_error_release(err);
}

static int run_graph(const struct scenario *sc, const char *outdir)
{
	bt_message_iterator_class *it_cls = NULL;
	bt_component_class_source *src_cls = NULL;
	const bt_plugin *ctf_plugin = NULL;
	const bt_component_class_sink *sink_cls;
	bt_value *params = NULL;
	bt_graph *graph = NULL;
	const bt_component_source *src = NULL;
	const bt_component_sink *sink = NULL;
	bt_graph_run_status run_status;
	int ret = -1;

	it_cls = bt_message_iterator_class_create(iter_next);
	if (!it_cls ||
	    bt_message_iterator_class_set_initialize_method(it_cls, iter_init) ||
	    bt_message_iterator_class_set_finalize_method(it_cls, iter_finalize)) {
		print_bt_error("cannot create message iterator class");
		goto end;
	}

	src_cls = bt_component_class_source_create("lttng-kernel-fixture", it_cls);
	if (!src_cls ||
	    bt_component_class_source_set_initialize_method(src_cls, src_init) ||
	    bt_component_class_source_set_finalize_method(src_cls, src_finalize)) {
		print_bt_error("cannot create source component class");
		goto end;
	}

	if (bt_plugin_find("ctf", BT_TRUE, BT_FALSE, BT_TRUE, BT_TRUE, BT_TRUE,
			&ctf_plugin) != BT_PLUGIN_FIND_STATUS_OK) {
		print_bt_error("cannot find the babeltrace2 `ctf` plugin");
		goto end;
	}
	sink_cls = bt_plugin_borrow_sink_component_class_by_name_const(
		ctf_plugin, "fs");
	if (!sink_cls) {
		fprintf(stderr, "mkfixture: the `ctf` plugin has no sink.ctf.fs\n");
		goto end;
	}

	params = bt_value_map_create();
	if (!params ||
	    bt_value_map_insert_string_entry(params, "path", outdir) ||
	    bt_value_map_insert_bool_entry(params, "assume-single-trace", BT_TRUE) ||
	    bt_value_map_insert_bool_entry(params, "quiet", BT_TRUE)) {
		print_bt_error("cannot create sink parameters");
		goto end;
	}

	graph = bt_graph_create(0);
	if (!graph) {
		print_bt_error("cannot create graph");
		goto end;
	}
	if (bt_graph_add_source_component_with_initialize_method_data(graph,
			src_cls, "fixture", NULL, (void *) sc,
			BT_LOGGING_LEVEL_WARNING, &src) !=
			BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		print_bt_error("cannot add the fixture source component");
		goto end;
	}
	if (bt_graph_add_sink_component(graph, sink_cls, "sink", params,
			BT_LOGGING_LEVEL_WARNING, &sink) !=
			BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		print_bt_error("cannot add the sink.ctf.fs component");
		goto end;
	}
	if (bt_graph_connect_ports(graph,
			bt_component_source_borrow_output_port_by_name_const(src, "out"),
			bt_component_sink_borrow_input_port_by_name_const(sink, "in"),
			NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		print_bt_error("cannot connect the components");
		goto end;
	}

	do {
		run_status = bt_graph_run(graph);
	} while (run_status == BT_GRAPH_RUN_STATUS_AGAIN);

	if (run_status != BT_GRAPH_RUN_STATUS_OK) {
		print_bt_error("graph run failed");
		goto end;
	}

	ret = 0;

end:
	/* Destroying the graph finalizes sink.ctf.fs, which closes its files. */
	bt_graph_put_ref(graph);
	bt_value_put_ref(params);
	bt_plugin_put_ref(ctf_plugin);
	bt_component_class_source_put_ref(src_cls);
	bt_message_iterator_class_put_ref(it_cls);
	return ret;
}

/* ------------------------------------------------------------------ */
/* main                                                                */
/* ------------------------------------------------------------------ */

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: mkfixture-lttng-kernel [--scenario NAME] OUTDIR\n"
		"       mkfixture-lttng-kernel --list-scenarios\n"
		"\n"
		"Writes a CTF 1.8 trace shaped like an lttng-modules 2.13 x86_64\n"
		"kernel trace into OUTDIR (which must not exist or be empty).\n"
		"Default scenario: default.\n");
}

static int check_outdir(const char *outdir)
{
	DIR *dir = opendir(outdir);
	struct dirent *de;
	int ret = 0;

	if (!dir) {
		if (errno == ENOENT) {
			return 0;
		}
		fprintf(stderr, "mkfixture: cannot open %s: %s\n", outdir,
			strerror(errno));
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			fprintf(stderr, "mkfixture: %s is not empty\n", outdir);
			ret = -1;
			break;
		}
	}
	closedir(dir);

	/* sink.ctf.fs (single trace mode) wants to create OUTDIR itself. */
	if (ret == 0 && rmdir(outdir)) {
		fprintf(stderr, "mkfixture: cannot remove empty %s: %s\n",
			outdir, strerror(errno));
		ret = -1;
	}
	return ret;
}

int main(int argc, char **argv)
{
	const char *scenario_name = "default";
	const char *outdir = NULL;
	const struct scenario *sc = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--list-scenarios") == 0) {
			for (size_t j = 0; j < ARRAY_LEN(scenarios); j++) {
				printf("%-16s %s\n", scenarios[j].name,
					scenarios[j].summary);
			}
			return 0;
		} else if (strcmp(argv[i], "--scenario") == 0 && i + 1 < argc) {
			scenario_name = argv[++i];
		} else if (strncmp(argv[i], "--scenario=", 11) == 0) {
			scenario_name = argv[i] + 11;
		} else if (argv[i][0] == '-' || outdir) {
			usage(stderr);
			return 2;
		} else {
			outdir = argv[i];
		}
	}

	if (!outdir) {
		usage(stderr);
		return 2;
	}

	for (size_t j = 0; j < ARRAY_LEN(scenarios); j++) {
		if (strcmp(scenarios[j].name, scenario_name) == 0) {
			sc = &scenarios[j];
		}
	}
	if (!sc) {
		fprintf(stderr, "mkfixture: unknown scenario \"%s\" "
			"(try --list-scenarios)\n", scenario_name);
		return 2;
	}

	if (check_outdir(outdir) || run_graph(sc, outdir) ||
	    fix_trace_uuid(outdir)) {
		return 1;
	}

	return 0;
}
