#define _GNU_SOURCE
#include "rec_decode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fl_access.h"

/* The parsed fixed part of a sample. */
struct sample {
	uint64_t ip, addr, time;
	uint32_t pid, tid, cpu;
	const unsigned char *raw;
	uint32_t raw_size;
	uint64_t regs[3];
	int nregs;
	uint64_t uregs[2];	/* PERF_SAMPLE_REGS_USER: x86 sp, ip; ppc64 nip, link */
	int nuregs;
	const unsigned char *stack;	/* PERF_SAMPLE_STACK_USER: the valid bytes */
	uint64_t stack_size;
};

static int parse_sample(const struct perf_event_header *h, uint64_t type, struct sample *s)
{
	const unsigned char *p = (const unsigned char *)(h + 1);
	const unsigned char *end = (const unsigned char *)h + h->size;

	memset(s, 0, sizeof(*s));
#define TAKE(dst, n)                                   \
	do {                                           \
		if (p + (n) > end)                     \
			return -1;                     \
		memcpy((dst), p, (n));                 \
		p += (n);                              \
	} while (0)
	p += 8;		/* IDENTIFIER, already read */
	if (type & PERF_SAMPLE_IP)
		TAKE(&s->ip, 8);
	if (type & PERF_SAMPLE_TID) {
		TAKE(&s->pid, 4);
		TAKE(&s->tid, 4);
	}
	if (type & PERF_SAMPLE_TIME)
		TAKE(&s->time, 8);
	if (type & PERF_SAMPLE_ADDR)
		TAKE(&s->addr, 8);
	if (type & PERF_SAMPLE_CPU) {
		TAKE(&s->cpu, 4);
		p += 4;
	}
	if (type & PERF_SAMPLE_RAW) {
		TAKE(&s->raw_size, 4);
		if (p + s->raw_size > end)
			return -1;
		s->raw = p;
		p += s->raw_size;
		p = (const unsigned char *)(((uintptr_t)p + 7) & ~(uintptr_t)7);
	}
	if (type & PERF_SAMPLE_REGS_USER) {
		/* { abi; regs[weight(mask)] if abi }: a kernel thread has none */
		uint64_t abi;
		int n = __builtin_popcountll(FL_PE_REGS_USER);
		TAKE(&abi, 8);
		if (abi) {
			for (int i = 0; i < n; i++) {
				uint64_t v;
				TAKE(&v, 8);
				if (i < 2)
					s->uregs[i] = v;
			}
			s->nuregs = n < 2 ? n : 2;
		}
	}
	if (type & PERF_SAMPLE_STACK_USER) {
		/* { size; data[size]; dyn_size if size }: dyn_size bytes hold
		 * the stack (less near its top) */
		uint64_t size, dyn;
		TAKE(&size, 8);
		if (size) {
			if (size > (uint64_t)(end - p))
				return -1;
			s->stack = p;
			p += size;
			TAKE(&dyn, 8);
			s->stack_size = dyn < size ? dyn : size;
		}
	}
	if (type & PERF_SAMPLE_REGS_INTR) {
		uint64_t abi;
		TAKE(&abi, 8);
		if (abi) {
			for (int i = 0; i < 3; i++)
				TAKE(&s->regs[i], 8);
			s->nregs = 3;
		}
	}
#undef TAKE
	return 0;
}

static uint64_t raw_uint(const struct sample *s, const struct fl_pe_source *src, int fi)
{
	const struct fl_tp_field *f;
	uint64_t v = 0;

	if (fi < 0)
		return 0;
	f = &src->fmt.fields[fi];
	if ((uint32_t)f->offset + f->size > s->raw_size)
		return 0;
	switch (f->size) {
	case 1: { uint8_t x; memcpy(&x, s->raw + f->offset, 1); v = f->is_signed ? (uint64_t)(int64_t)(int8_t)x : x; break; }
	case 2: { uint16_t x; memcpy(&x, s->raw + f->offset, 2); v = f->is_signed ? (uint64_t)(int64_t)(int16_t)x : x; break; }
	case 4: { uint32_t x; memcpy(&x, s->raw + f->offset, 4); v = f->is_signed ? (uint64_t)(int64_t)(int32_t)x : x; break; }
	case 8: memcpy(&v, s->raw + f->offset, 8); break;
	default: break;
	}
	return v;
}

/* A char[N] or __data_loc string field, copied into buf. */
static void raw_str(const struct sample *s, const struct fl_pe_source *src, int fi, char *buf,
		    size_t len)
{
	const struct fl_tp_field *f;
	uint32_t off, n;

	buf[0] = '\0';
	if (fi < 0)
		return;
	f = &src->fmt.fields[fi];
	if (f->data_loc) {
		uint32_t loc = (uint32_t)raw_uint(s, src, fi);
		off = loc & 0xffff;
		n = loc >> 16;
		if (f->rel_loc)
			off += (uint32_t)f->offset + f->size;
	} else {
		off = f->offset;
		n = f->size;
	}
	if (off > s->raw_size || n > s->raw_size - off)
		return;
	if (n >= len)
		n = (uint32_t)len - 1;
	memcpy(buf, s->raw + off, n);
	buf[n] = '\0';
}

static void ids(struct fl_ust_ids *id, const struct sample *s)
{
	id->ktime = s->time;
	id->cpu = s->cpu;
	id->pid = (int32_t)s->pid;
	id->tid = (int32_t)s->tid;
}

/* An mm call's call site, or on x86_64 the stack to pick it from once
 * the process's mappings are known in time order (rec_writer.c). */
static int user_caller(struct rec_ev *ev, const struct sample *s)
{
#if defined(__powerpc64__)
	if (s->nuregs == 2)
		ev->u.mm_enter.call_site = s->uregs[1];	/* LINK */
#else
	struct rec_ustack *u;
	size_t n = (size_t)(s->stack_size / 8);

	if (s->nuregs < 2 || !n)
		return 0;
	u = malloc(sizeof(*u) + n * 8);
	if (!u)
		return -ENOMEM;
	u->sp = s->uregs[0];
	u->ip = s->uregs[1];
	u->nwords = (uint32_t)n;
	memcpy(u->w, s->stack, n * 8);
	ev->str = (char *)u;
#endif
	return 0;
}

static bool excluded(const struct rec_decoder *d, uint32_t pid)
{
	for (size_t i = 0; i < d->nexclude; i++)
		if ((uint32_t)d->exclude[i] == pid)
			return true;
	return false;
}

/* A fault tracepoint, software fault event or fault end: fill ev->u.fault or
 * ev->u.fault_end. */
static int decode_fault(const struct fl_pe_source *src, const struct sample *s,
			struct rec_ev *ev)
{
	switch (src->spec->role) {
	case PE_FAULT_TP: {
		struct fl_ust_fault *f = &ev->u.fault;
		ev->type = REC_FAULT;
		ids(&f->id, s);
		f->address = raw_uint(s, src, src->f[0]);
		f->ip = raw_uint(s, src, src->f[1]);
		f->arch_code = raw_uint(s, src, src->f[2]);
		f->access = fl_x86_access(f->arch_code);
		f->source = FL_UST_SRC_TRACEPOINT;
		return 1;
	}
	case PE_FAULT_SW: {
		struct fl_ust_fault *f = &ev->u.fault;
		ev->type = REC_FAULT;
		ids(&f->id, s);
		f->address = s->addr;
		f->ip = s->ip;
		f->source = FL_UST_SRC_SW_EVENT;
		if (s->nregs == 3) {
			/* ppc64: TRAP, DAR, DSISR */
			f->trap = (uint32_t)s->regs[0];
			f->arch_code = s->regs[2];
			f->access = fl_ppc64_access(f->trap, f->arch_code, f->ip);
		}
		return 1;
	}
	case PE_FAULT_END: {
		struct fl_ust_fault_end *f = &ev->u.fault_end;
		ev->type = REC_FAULT_END;
		ids(&f->id, s);
		f->address = s->addr;
		f->ip = s->ip;
		f->major = (uint8_t)src->spec->arg;
		return 1;
	}
	default:
		return 0;
	}
}

/* An mmap_lock event or an mm syscall's entry or exit: fill ev->u.lock,
 * ev->u.mm_enter or ev->u.mm_exit. */
static int decode_mm(const struct fl_pe_source *src, const struct sample *s,
		     struct rec_ev *ev)
{
	switch (src->spec->role) {
	case PE_LOCK: {
		struct fl_ust_mmap_lock *l = &ev->u.lock;
		ev->type = REC_LOCK;
		ids(&l->id, s);
		l->phase = (uint8_t)src->spec->arg;
		l->mm = raw_uint(s, src, src->f[0]);
		l->write = raw_uint(s, src, src->f[1]) != 0;
		l->success = raw_uint(s, src, src->f[2]) != 0;
		return 1;
	}
	case PE_SYS_ENTER: {
		struct fl_ust_mm_enter *m = &ev->u.mm_enter;
		ev->type = REC_MM_ENTER;
		ids(&m->id, s);
		m->call = (uint8_t)src->spec->arg;
		for (int i = 1; i < src->fmt.nfields && m->nargs < 6; i++)
			m->args[m->nargs++] = raw_uint(s, src, i);
		return user_caller(ev, s) < 0 ? -ENOMEM : 1;
	}
	case PE_SYS_EXIT: {
		struct fl_ust_mm_exit *m = &ev->u.mm_exit;
		ev->type = REC_MM_EXIT;
		ids(&m->id, s);
		m->call = (uint8_t)src->spec->arg;
		m->ret = (int64_t)raw_uint(s, src, src->f[0]);
		return 1;
	}
	default:
		return 0;
	}
}

/* A task_newtask or sched_process_fork: the child's ids and, where
 * clone_flags are known, whether it is a thread or a process. */
static int decode_new_task(const struct fl_pe_source *src, const struct sample *s,
			   struct rec_ev *ev)
{
	struct fl_ust_task *t = &ev->u.task;
	ev->type = REC_TASK;
	ids(&t->id, s);
	t->child_tid = (int32_t)raw_uint(s, src, src->f[0]);
	raw_str(s, src, src->f[1], ev->comm, sizeof(ev->comm));
	if (src->spec->role == PE_NEWTASK) {
		t->clone_flags = raw_uint(s, src, src->f[2]);
		t->clone_flags_known = 1;
		/* CLONE_THREAD (0x10000): same thread group */
		if (t->clone_flags & 0x00010000u) {
			t->kind = FL_UST_TASK_CLONE_THREAD;
			t->child_pid = t->id.pid;
		} else {
			t->kind = FL_UST_TASK_FORK;
			t->child_pid = t->child_tid;
		}
	} else {
		t->kind = FL_UST_TASK_FORK;
		t->child_pid = -1;	/* thread or process: unknown */
	}
	return 1;
}

/* A task's creation, exec, exit or rename: fill ev->u.task and ev->comm
 * (and ev->str, the file, for an exec). */
static int decode_task(const struct fl_pe_source *src, const struct sample *s,
		       struct rec_ev *ev)
{
	switch (src->spec->role) {
	case PE_NEWTASK:
	case PE_FORK:
		return decode_new_task(src, s, ev);
	case PE_EXEC: {
		struct fl_ust_task *t = &ev->u.task;
		char file[4096];
		ev->type = REC_TASK;
		ids(&t->id, s);
		t->kind = FL_UST_TASK_EXEC;
		t->child_pid = t->child_tid = -1;
		raw_str(s, src, src->f[0], file, sizeof(file));
		ev->str = strdup(file);
		if (!ev->str)
			return -ENOMEM;
		/* comm after exec: the file's base name, as the kernel sets it */
		const char *b = strrchr(file, '/');
		snprintf(ev->comm, sizeof(ev->comm), "%.15s", b ? b + 1 : file);
		return 1;
	}
	case PE_EXIT: {
		struct fl_ust_task *t = &ev->u.task;
		ev->type = REC_TASK;
		ids(&t->id, s);
		t->kind = FL_UST_TASK_EXIT;
		t->child_pid = t->child_tid = -1;
		raw_str(s, src, src->f[0], ev->comm, sizeof(ev->comm));
		return 1;
	}
	case PE_RENAME: {
		struct fl_ust_task *t = &ev->u.task;
		ev->type = REC_TASK;
		ids(&t->id, s);
		t->kind = FL_UST_TASK_COMM;
		t->child_pid = t->child_tid = -1;
		raw_str(s, src, src->f[1], ev->comm, sizeof(ev->comm));
		return 1;
	}
	default:
		return 0;
	}
}

/* A sched_switch, sched_waking or readahead event: fill ev->u.sched_switch,
 * ev->u.sched_waking or ev->u.readahead. */
static int decode_sched(const struct fl_pe_source *src, const struct sample *s,
			struct rec_ev *ev)
{
	switch (src->spec->role) {
	case PE_SCHED_SWITCH: {
		struct fl_ust_sched_switch *w = &ev->u.sched_switch;
		ev->type = REC_SCHED_SWITCH;
		ids(&w->id, s);
		w->prev_state = raw_uint(s, src, src->f[0]);
		w->next_pid = (int32_t)raw_uint(s, src, src->f[1]);
		return 1;
	}
	case PE_SCHED_WAKING: {
		struct fl_ust_sched_waking *w = &ev->u.sched_waking;
		ev->type = REC_SCHED_WAKING;
		ids(&w->id, s);
		w->woken_tid = (int32_t)raw_uint(s, src, src->f[0]);
		return 1;
	}
	case PE_READAHEAD: {
		struct fl_ust_readahead *ra = &ev->u.readahead;
		ev->type = REC_READAHEAD;
		ids(&ra->id, s);
		ra->async = (uint8_t)src->spec->arg;
		ra->ino = raw_uint(s, src, src->f[0]);
		ra->index = raw_uint(s, src, src->f[1]);
		return 1;
	}
	default:
		return 0;
	}
}

static int decode_sample(struct rec_decoder *d, struct fl_perf_ring *r,
			 const struct perf_event_header *h, struct rec_ev *ev)
{
	uint64_t id;
	const struct fl_pe_source *src;
	struct sample s;

	if (h->size < sizeof(*h) + 8)
		return 0;
	memcpy(&id, h + 1, 8);
	src = fl_map_get(&d->set->ids, id);
	if (!src || parse_sample(h, src->sample_type, &s) < 0) {
		d->unknown++;
		return 0;
	}
	if (s.time > r->last_t)
		r->last_t = s.time;
	if (d->nexclude && excluded(d, s.pid))
		return 0;
	ev->t = s.time;
	switch (src->spec->role) {
	case PE_FAULT_TP:
	case PE_FAULT_SW:
	case PE_FAULT_END:
		return decode_fault(src, &s, ev);
	case PE_LOCK:
	case PE_SYS_ENTER:
	case PE_SYS_EXIT:
		return decode_mm(src, &s, ev);
	case PE_NEWTASK:
	case PE_FORK:
	case PE_EXEC:
	case PE_EXIT:
	case PE_RENAME:
		return decode_task(src, &s, ev);
	case PE_SCHED_SWITCH:
	case PE_SCHED_WAKING:
	case PE_READAHEAD:
		return decode_sched(src, &s, ev);
	}
	return 0;
}

/* The sample_id trailer: pid, tid, time, cpu, res, identifier (SAMPLE_COMMON). */
struct trailer {
	uint32_t pid, tid;
	uint64_t time;
	uint32_t cpu, res;
	uint64_t id;
};

static int get_trailer(const struct perf_event_header *h, struct trailer *t)
{
	if (h->size < sizeof(*h) + sizeof(*t))
		return -1;
	memcpy(t, (const unsigned char *)h + h->size - sizeof(*t), sizeof(*t));
	return 0;
}

int rec_decode(struct rec_decoder *d, struct fl_perf_ring *r, const struct perf_event_header *h,
	       struct rec_ev *ev)
{
	struct trailer tr;
	int rc = 0;

	memset(ev, 0, sizeof(*ev));
	switch (h->type) {
	case PERF_RECORD_SAMPLE:
		rc = decode_sample(d, r, h, ev);
		break;
	case PERF_RECORD_LOST: {
		struct { uint64_t id, lost; } body;
		if (h->size < sizeof(*h) + sizeof(body) || get_trailer(h, &tr) < 0)
			return 0;
		memcpy(&body, h + 1, sizeof(body));
		r->lost += body.lost;
		ev->type = REC_LOST;
		ev->t = tr.time;
		ev->u.lost.ktime = tr.time;
		ev->u.lost.cpu = (uint32_t)r->cpu;
		ev->u.lost.count = body.lost;
		/* Lost since the last record this CPU delivered. */
		ev->u.lost.t_begin = r->last_t;
		ev->u.lost.t_end = tr.time;
		ev->u.lost.source = FL_UST_LOST_PERF_RING;
		if (tr.time > r->last_t)
			r->last_t = tr.time;
		rc = 1;
		break;
	}
	case PERF_RECORD_MMAP2: {
		struct {
			uint32_t pid, tid;
			uint64_t addr, len, pgoff;
			uint32_t maj, min;
			uint64_t ino, ino_generation;
			uint32_t prot, flags;
		} m;
		const char *name = (const char *)(h + 1) + sizeof(m);
		if (h->size < sizeof(*h) + sizeof(m) + sizeof(tr) || get_trailer(h, &tr) < 0)
			return 0;
		memcpy(&m, h + 1, sizeof(m));
		if (d->nexclude && excluded(d, m.pid))
			return 0;
		size_t maxn = h->size - sizeof(*h) - sizeof(m) - sizeof(tr);
		ev->type = REC_VMA;
		ev->t = tr.time;
		ev->u.vma.ktime = tr.time;
		ev->u.vma.pid = (int32_t)m.pid;
		ev->tid = (int32_t)m.tid;
		ev->u.vma.start = m.addr;
		ev->u.vma.end = m.addr + m.len;
		ev->u.vma.pgoff = m.pgoff;
		ev->u.vma.inode = (h->misc & PERF_RECORD_MISC_MMAP_BUILD_ID) ? 0 : m.ino;
		ev->u.vma.source = FL_UST_VMA_PERF_MMAP2;
		snprintf(ev->perms, sizeof(ev->perms), "%c%c%c%c", (m.prot & 1) ? 'r' : '-',
			 (m.prot & 2) ? 'w' : '-', (m.prot & 4) ? 'x' : '-',
			 (m.flags & 0x01) ? 's' : 'p');	/* MAP_SHARED */
		snprintf(ev->dev, sizeof(ev->dev), "%02x:%02x", m.maj, m.min);
		ev->str = strndup(name, maxn);
		if (!ev->str)
			return -ENOMEM;
		rc = 1;
		break;
	}
	case PERF_RECORD_COMM: {
		/* Only exec's: the other renames are task:task_rename events. */
		struct { uint32_t pid, tid; } c;
		const char *name = (const char *)(h + 1) + sizeof(c);
		if (!(h->misc & PERF_RECORD_MISC_COMM_EXEC) ||
		    h->size < sizeof(*h) + sizeof(c) + sizeof(tr) || get_trailer(h, &tr) < 0)
			return 0;
		memcpy(&c, h + 1, sizeof(c));
		if (d->nexclude && excluded(d, c.pid))
			return 0;
		ev->type = REC_TASK;
		ev->t = tr.time;
		ev->u.task.id.ktime = tr.time;
		ev->u.task.id.cpu = tr.cpu;
		ev->u.task.id.pid = (int32_t)c.pid;
		ev->u.task.id.tid = (int32_t)c.tid;
		ev->u.task.kind = FL_UST_TASK_EXEC_MM;
		ev->u.task.child_pid = ev->u.task.child_tid = -1;
		snprintf(ev->comm, sizeof(ev->comm), "%.*s",
			 (int)strnlen(name, h->size - sizeof(*h) - sizeof(c) - sizeof(tr)), name);
		rc = 1;
		break;
	}
	case PERF_RECORD_THROTTLE:
		d->throttled++;
		return 0;
	case PERF_RECORD_LOST_SAMPLES: {
		uint64_t n;
		if (h->size < sizeof(*h) + 8)
			return 0;
		memcpy(&n, h + 1, 8);
		d->lost_samples += n;
		return 0;
	}
	default:
		return 0;
	}
	if (rc == 1)
		ev->seq = d->seq++;
	return rc;
}

int rec_unreported_lost(struct rec_decoder *d, struct fl_perf_ring *r, uint64_t kernel_lost,
			uint64_t t_end, struct rec_ev *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (kernel_lost <= r->lost)
		return 0;
	if (t_end < r->last_t)
		t_end = r->last_t;
	ev->type = REC_LOST;
	ev->t = t_end;
	ev->seq = d->seq++;
	ev->u.lost.ktime = t_end;
	ev->u.lost.cpu = (uint32_t)r->cpu;
	ev->u.lost.count = kernel_lost - r->lost;
	/* The ring failed from some record after its newest one on. */
	ev->u.lost.t_begin = r->last_t;
	ev->u.lost.t_end = t_end;
	ev->u.lost.source = FL_UST_LOST_PERF_RING;
	r->lost = kernel_lost;
	return 1;
}
