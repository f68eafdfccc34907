/* decode_cache: a trace's decoded records kept on disk (decode_cache.h). */
#define _GNU_SOURCE	/* mkostemp */
#include "decode_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctf_check.h"
#include "fl_array.h"
#include "fl_build_id.h"
#include "fl_version.h"

#define MAGIC "FLDECODE"

/* The file's first bytes, in the host's byte order (the key has it). */
struct header {
	char magic[8];
	uint32_t wire_version;
	uint32_t header_size;
	uint64_t wire_len;	/* the records' bytes, after the header */
	uint64_t log_len;	/* the log text's, after the records */
	uint8_t key[32];
	uint8_t sum[32];	/* SHA-256 of the records and the log text */
};
_Static_assert(sizeof(struct header) == 96, "the header has padding");

static void warn(const char *fmt, const char *file, const char *why)
{
	fflush(stdout);
	fprintf(stderr, "faultline: warning: ");
	fprintf(stderr, fmt, file, why);
	fputc('\n', stderr);
}

/* ---------------------------------------------------------------------- */
/* The key                                                                */

struct trace_file {
	char *name;	/* relative to the trace */
	struct stat st;
};

struct file_list {
	struct trace_file *v;
	size_t n, cap;
};

static int add_file(struct file_list *l, const char *rel, const char *sub, const char *name,
		    const struct stat *st)
{
	struct trace_file *f;
	size_t len = strlen(rel) + strlen(sub) + strlen(name) + 3;

	if (fl_array_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v)) < 0)
		return -1;
	f = &l->v[l->n];
	f->name = malloc(len);
	if (!f->name)
		return -1;
	snprintf(f->name, len, "%s%s%s%s%s", rel, rel[0] ? "/" : "", sub, sub[0] ? "/" : "", name);
	f->st = *st;
	l->n++;
	return 0;
}

/* The regular files of dir (a CTF trace directory: metadata and streams)
 * and of its index/ (src.ctf.fs reads the packet indexes there), named
 * rel/[index/]NAME. */
static int list_dir(struct file_list *l, const char *dir, const char *rel, const char *sub)
{
	char p[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	snprintf(p, sizeof(p), "%s%s%s", dir, sub[0] ? "/" : "", sub);
	d = opendir(p);
	if (!d)
		return sub[0] ? 0 : -1;	/* no index/: none */
	while (!rc && (de = readdir(d))) {
		char f[PATH_MAX];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((size_t)snprintf(f, sizeof(f), "%s/%s", p, de->d_name) >= sizeof(f) ||
		    stat(f, &st) < 0)
			rc = -1;
		else if (S_ISREG(st.st_mode))
			rc = add_file(l, rel, sub, de->d_name, &st);
		else if (S_ISDIR(st.st_mode) && !sub[0] && !strcmp(de->d_name, "index"))
			rc = list_dir(l, dir, rel, "index");
	}
	closedir(d);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct trace_file *)a)->name, ((const struct trace_file *)b)->name);
}

static void hash_u64(struct fl_sha256 *h, uint64_t v)
{
	fl_sha256_update(h, &v, sizeof(v));
}

/* What the records depend on besides the files: the wire format, this
 * build (its dialects, their decoding: its version, and its build ID,
 * which a rebuild with other code changes even when the version stays),
 * the byte order the records are written in, and whether the decode
 * skipped the checks of ctf_check.c. */
static void hash_build(struct fl_sha256 *h, uint32_t wire_version)
{
	const char *no_check = getenv("FL_INGEST_NO_CHECK");
	uint32_t order = 0x01020304;
	const unsigned char *id;
	uint64_t idlen = fl_build_id(&id);

	fl_sha256_update(h, MAGIC, sizeof(MAGIC));
	fl_sha256_update(h, &wire_version, sizeof(wire_version));
	fl_sha256_update(h, FL_VERSION, sizeof(FL_VERSION));
	hash_u64(h, idlen);
	if (idlen)
		fl_sha256_update(h, id, idlen);
	fl_sha256_update(h, &order, sizeof(order));
	fl_sha256_update(h, no_check && !strcmp(no_check, "1") ? "1" : "0", 1);
}

static int trace_key(const char *trace, uint32_t wire_version, uint8_t key[32])
{
	struct file_list l = { 0 };
	struct fl_sha256 h;
	struct fl_err err = { 0 };
	char **dirs = NULL;
	size_t ndirs = 0, tlen = strlen(trace);
	int rc;

	rc = fl_ctf_find_traces(trace, &dirs, &ndirs, &err);
	if (!rc && !ndirs)
		rc = -1;
	for (size_t i = 0; !rc && i < ndirs; i++) {
		const char *rel = dirs[i];

		if (!strncmp(rel, trace, tlen) && (rel[tlen] == '/' || !rel[tlen]))
			for (rel += tlen; *rel == '/'; rel++)
				;
		rc = list_dir(&l, dirs[i], rel, "");
	}
	fl_ctf_free_list(dirs, ndirs);
	if (!rc) {
		qsort(l.v, l.n, sizeof(*l.v), by_name);
		fl_sha256_init(&h);
		hash_build(&h, wire_version);
		for (size_t i = 0; i < l.n; i++) {
			fl_sha256_update(&h, l.v[i].name, strlen(l.v[i].name) + 1);
			hash_u64(&h, (uint64_t)l.v[i].st.st_size);
			hash_u64(&h, (uint64_t)l.v[i].st.st_mtim.tv_sec);
			hash_u64(&h, (uint64_t)l.v[i].st.st_mtim.tv_nsec);
			hash_u64(&h, (uint64_t)l.v[i].st.st_ino);
		}
		fl_sha256_final(&h, key);
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i].name);
	free(l.v);
	return rc < 0 ? -1 : 0;
}

int fl_decode_cache_open(struct fl_decode_cache *c, const char *dir, const char *trace,
			 uint32_t wire_version)
{
	char hex[65];

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->lock_fd = -1;
	c->dir = dir;
	c->wire_version = wire_version;
	if (trace_key(trace, wire_version, c->key) < 0)
		return -1;
	fl_sha256_hex(c->key, hex);
	if ((size_t)snprintf(c->path, sizeof(c->path), "%s/%s.fld", dir, hex) >= sizeof(c->path) ||
	    (size_t)snprintf(c->tmp, sizeof(c->tmp), "%s/.%s.fld.XXXXXX", dir, hex) >= sizeof(c->tmp)) {
		warn("%s: %s: replaying without it", dir, "the decode cache's name is too long");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Reading                                                                */

/* What is wrong with the entry mapped at c->map, or NULL. */
static const char *entry_fault(struct fl_decode_cache *c)
{
	struct header h;
	struct fl_sha256 s;
	uint8_t sum[32];
	const unsigned char *p = c->map;

	if (c->map_len < sizeof(h))
		return "shorter than its header (cut short)";
	memcpy(&h, p, sizeof(h));
	if (memcmp(h.magic, MAGIC, sizeof(h.magic)))
		return "not a decode cache file";
	if (h.wire_version != c->wire_version || h.header_size != sizeof(h) ||
	    memcmp(h.key, c->key, sizeof(h.key)))
		return "written for another trace or another faultline";
	if (h.wire_len > c->map_len || h.log_len > c->map_len ||
	    sizeof(h) + h.wire_len + h.log_len != c->map_len)
		return sizeof(h) + h.wire_len + h.log_len > c->map_len ? "cut short"
								      : "longer than its header says";
	fl_sha256_init(&s);
	fl_sha256_update(&s, p + sizeof(h), c->map_len - sizeof(h));
	fl_sha256_final(&s, sum);
	if (memcmp(sum, h.sum, sizeof(sum)))
		return "its checksum does not match";
	c->wire = p + sizeof(h);
	c->wire_len = h.wire_len;
	c->log = (const char *)p + sizeof(h) + h.wire_len;
	c->log_len = h.log_len;
	return NULL;
}

bool fl_decode_cache_find(struct fl_decode_cache *c)
{
	const char *fault;
	struct stat st;
	int fd = open(c->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;	/* not there yet (or unreadable: written again) */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return false;
	}
	c->map_len = (size_t)st.st_size;
	c->map = c->map_len ? mmap(NULL, c->map_len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	close(fd);
	if (c->map == MAP_FAILED) {
		c->map = NULL;
		return false;
	}
	fault = entry_fault(c);
	if (!fault)
		return true;
	fl_decode_cache_reject(c, fault);
	return false;
}

void fl_decode_cache_reject(struct fl_decode_cache *c, const char *why)
{
	warn("decode cache %s: %s: removed it, decoding the trace again", c->path, why);
	unlink(c->path);
	fl_decode_cache_close(c);
}

bool fl_decode_cache_wait(struct fl_decode_cache *c)
{
	char lock[PATH_MAX];
	char hex[65];
	int fd;

	fl_sha256_hex(c->key, hex);
	if ((size_t)snprintf(lock, sizeof(lock), "%s/%s.lock", c->dir, hex) >= sizeof(lock) ||
	    (mkdir(c->dir, 0777) < 0 && errno != EEXIST))
		return false;
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return false;
	/* Interrupted (Ctrl-C) or refused (a file system without locks):
	 * decode as if there were no lock. */
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return false;
	}
	c->lock_fd = fd;
	return fl_decode_cache_find(c);
}

/* ---------------------------------------------------------------------- */
/* Writing                                                                */

static bool write_all(int fd, const void *p, size_t n)
{
	const char *b = p;

	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		b += w;
		n -= (size_t)w;
	}
	return true;
}

static void fail(struct fl_decode_cache *c)
{
	c->failed = true;
	c->err = errno;
}

static void write_raw(struct fl_decode_cache *c, const void *p, size_t n)
{
	if (!c->failed && !write_all(c->fd, p, n))
		fail(c);
}

bool fl_decode_cache_start(struct fl_decode_cache *c)
{
	static const struct header blank;

	if (mkdir(c->dir, 0777) < 0 && errno != EEXIST) {
		warn("%s: cannot make the decode cache's directory: %s; replaying without it",
		     c->dir, strerror(errno));
		return false;
	}
	c->fd = mkostemp(c->tmp, O_CLOEXEC);
	if (c->fd < 0) {
		warn("%s: cannot write in the decode cache: %s; replaying without it", c->dir,
		     strerror(errno));
		return false;
	}
	/* Readable as the directory's other files (mkstemp makes it 0600). */
	fchmod(c->fd, 0644);
	c->failed = false;
	c->err = 0;
	c->wire_len = 0;
	write_raw(c, &blank, sizeof(blank));
	fl_sha256_init(&c->sum);
	return true;
}

void fl_decode_cache_write(struct fl_decode_cache *c, const void *p, size_t n)
{
	if (c->fd < 0 || c->failed)
		return;
	fl_sha256_update(&c->sum, p, n);
	c->wire_len += n;
	write_raw(c, p, n);
}

void fl_decode_cache_commit(struct fl_decode_cache *c, FILE *log)
{
	struct header h = { .wire_version = c->wire_version, .header_size = sizeof(h) };
	char buf[4096];
	size_t n;

	if (c->fd < 0)
		return;
	memcpy(h.magic, MAGIC, sizeof(h.magic));
	memcpy(h.key, c->key, sizeof(h.key));
	h.wire_len = c->wire_len;
	rewind(log);
	while (!c->failed && (n = fread(buf, 1, sizeof(buf), log)) > 0) {
		fl_sha256_update(&c->sum, buf, n);
		h.log_len += n;
		write_raw(c, buf, n);
	}
	fl_sha256_final(&c->sum, h.sum);
	if (!c->failed && pwrite(c->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		fail(c);
	/* No fsync: a file lost in a crash is decoded again, and a torn one
	 * fails its checksum. */
	if (close(c->fd) < 0 && !c->failed)
		fail(c);
	c->fd = -1;
	if (!c->failed && rename(c->tmp, c->path) < 0)
		fail(c);
	if (c->failed) {
		warn("%s: cannot write in the decode cache: %s; the trace will be decoded again",
		     c->dir, strerror(c->err ? c->err : EIO));
		unlink(c->tmp);
	}
}

void fl_decode_cache_abort(struct fl_decode_cache *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	unlink(c->tmp);
}

void fl_decode_cache_close(struct fl_decode_cache *c)
{
	fl_decode_cache_abort(c);
	if (c->lock_fd >= 0)
		close(c->lock_fd);	/* after the rename: a waiter then finds the entry */
	c->lock_fd = -1;
	if (c->map)
		munmap(c->map, c->map_len);
	c->map = NULL;
	c->map_len = 0;
	c->wire = NULL;
	c->log = NULL;
}
