/* symbols: faulting ips to "symbol+0xoff (dso)" with elfutils' libdwfl. */
#include "symbols.h"

#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_array.h"
#include "ingest.h"

struct mapping {
	int32_t pid;
	uint64_t start, end;	/* end 0: not known */
	uint64_t pgoff;
	size_t dso;		/* index into dsos */
};

/* One file, opened once: its libdwfl session and load segments. */
struct dso {
	char *path;
	const char *base;	/* basename, in path */
	bool tried, ok;
	Dwfl *dwfl;
	Dwfl_Module *mod;
	struct seg { uint64_t off, filesz, vaddr; } *segs;
	size_t nsegs;
};

struct fl_symbols {
	struct mapping *maps;
	size_t nmaps, cap;
	struct dso *dsos;
	size_t ndsos, dcap;
	bool oom;
};

static size_t dso_index(struct fl_symbols *s, const char *path)
{
	struct dso *d;

	for (size_t i = 0; i < s->ndsos; i++)
		if (!strcmp(s->dsos[i].path, path))
			return i;
	if (fl_array_grow((void **)&s->dsos, &s->dcap, s->ndsos + 1, sizeof(*s->dsos)) < 0)
		return (size_t)-1;
	d = &s->dsos[s->ndsos];
	memset(d, 0, sizeof(*d));
	d->path = strdup(path);
	if (!d->path)
		return (size_t)-1;
	d->base = strrchr(d->path, '/') ? strrchr(d->path, '/') + 1 : d->path;
	return s->ndsos++;
}

static int on_event(void *ctx, const struct fl_event *ev)
{
	struct fl_symbols *s = ctx;
	const struct fl_vma_snapshot *v = &ev->u.vma;
	struct mapping *m;
	size_t d;

	/* Only file mappings name a file: "[heap]", "[stack]", and perf's
	 * "//anon" do not. */
	if (ev->kind != FL_EV_VMA_SNAPSHOT || v->path[0] != '/' || v->path[1] == '/' || s->oom)
		return 0;
	d = dso_index(s, v->path);
	if (d == (size_t)-1 ||
	    fl_array_grow((void **)&s->maps, &s->cap, s->nmaps + 1, sizeof(*s->maps)) < 0) {
		s->oom = true;
		return 0;
	}
	m = &s->maps[s->nmaps++];
	m->pid = ev->pid;
	m->start = v->start;
	m->end = v->end_known ? v->end : 0;
	m->pgoff = v->pgoff;
	m->dso = d;
	return 0;
}

int fl_symbols_open(const char *trace_path, struct fl_symbols **out, struct fl_err *err)
{
	struct fl_ingest_ops ops = { .event = on_event };
	struct fl_ingest_result res;
	struct fl_symbols *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return fl_err_set(err, -ENOMEM, "symbols: out of memory");
	memset(&res, 0, sizeof(res));
	rc = fl_ingest(trace_path, &ops, s, &res, err);
	fl_ingest_result_free(&res);
	if (rc == 0 && s->oom)
		rc = fl_err_set(err, -ENOMEM, "%s: out of memory reading the mappings", trace_path);
	if (rc < 0) {
		fl_symbols_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void fl_symbols_free(struct fl_symbols *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ndsos; i++) {
		if (s->dsos[i].dwfl)
			dwfl_end(s->dsos[i].dwfl);
		free(s->dsos[i].segs);
		free(s->dsos[i].path);
	}
	free(s->dsos);
	free(s->maps);
	free(s);
}

static char *debuginfo_path;
static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

/* Open d: its PT_LOAD segments (file offset to vaddr) and a libdwfl module
 * at bias 0, so module addresses are the ELF's own. */
static bool dso_load(struct dso *d)
{
	Elf *elf;
	size_t n;
	int fd;

	if (d->tried)
		return d->ok;
	d->tried = true;
	fd = open(d->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF && elf_getphdrnum(elf, &n) == 0) {
		d->segs = calloc(n ? n : 1, sizeof(*d->segs));
		for (size_t i = 0; d->segs && i < n; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD)
				d->segs[d->nsegs++] = (struct seg){ ph.p_offset, ph.p_filesz, ph.p_vaddr };
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	if (!d->nsegs)
		return false;
	d->dwfl = dwfl_begin(&callbacks);
	if (!d->dwfl)
		return false;
	dwfl_report_begin(d->dwfl);
	d->mod = dwfl_report_elf(d->dwfl, d->base, d->path, -1, 0, false);
	dwfl_report_end(d->dwfl, NULL, NULL);
	d->ok = d->mod != NULL;
	return d->ok;
}

/* The mapping of pid (any pid when pid < 0) that holds ip. */
static const struct mapping *find(const struct fl_symbols *s, int32_t pid, uint64_t ip)
{
	const struct mapping *best = NULL;

	for (size_t i = 0; i < s->nmaps; i++) {
		const struct mapping *m = &s->maps[i];

		if ((pid >= 0 && m->pid != pid) || m->start > ip || (m->end && ip >= m->end))
			continue;
		if (!best || m->start > best->start)
			best = m;
	}
	/* A mapping of unknown end holds ip only if no other mapping of the
	 * process starts between them; the nearest start below is it. */
	return best;
}

const char *fl_symbols_name(struct fl_symbols *s, int32_t pid, uint64_t ip, char *buf,
			    size_t len)
{
	const struct mapping *m = s ? find(s, pid, ip) : NULL;
	struct dso *d;
	uint64_t off, vaddr = 0;
	bool placed = false;

	if (!m && s)
		m = find(s, -1, ip);
	if (!m) {
		snprintf(buf, len, "0x%" PRIx64, ip);
		return buf;
	}
	d = &s->dsos[m->dso];
	off = ip - m->start + m->pgoff;
	if (dso_load(d)) {
		for (size_t i = 0; i < d->nsegs && !placed; i++) {
			if (off >= d->segs[i].off && off < d->segs[i].off + d->segs[i].filesz) {
				vaddr = off - d->segs[i].off + d->segs[i].vaddr;
				placed = true;
			}
		}
	}
	if (placed) {
		GElf_Off symoff = 0;
		GElf_Sym sym;
		const char *name = dwfl_module_addrinfo(d->mod, vaddr, &symoff, &sym, NULL, NULL, NULL);

		if (name) {
			snprintf(buf, len, "%s+0x%" PRIx64 " (%s)", name, (uint64_t)symoff, d->base);
			return buf;
		}
	}
	snprintf(buf, len, "0x%" PRIx64 " (%s)", ip, d->base);
	return buf;
}

const char *fl_symbols_path_at(const struct fl_symbols *s, uint64_t start)
{
	for (size_t i = 0; s && i < s->nmaps; i++)
		if (s->maps[i].start == start)
			return s->dsos[s->maps[i].dso].path;
	return NULL;
}
