#define _GNU_SOURCE
#include "chunks.h"

#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fl_array.h"
#include "trace_dir.h"

/* LTTng names a chunk BEGIN-END-INDEX: the index orders them. */
static unsigned long chunk_index(const char *name)
{
	const char *dash = strrchr(name, '-');

	return dash ? strtoul(dash + 1, NULL, 10) : 0;
}

static int by_index(const void *a, const void *b)
{
	unsigned long x = chunk_index(*(char *const *)a), y = chunk_index(*(char *const *)b);

	return x < y ? -1 : x > y;
}

/* The closed chunks' directory names, oldest first; caller frees. */
static char **list_chunks(const char *dir, size_t *n)
{
	char path[PATH_MAX], **v = NULL;
	size_t cap = 0;
	DIR *d;
	struct dirent *de;

	*n = 0;
	snprintf(path, sizeof(path), "%s/archives", dir);
	if (!(d = opendir(path)))
		return NULL;
	while ((de = readdir(d))) {
		char *name;
		if (de->d_name[0] == '.' || fl_array_grow((void **)&v, &cap, *n + 1, sizeof(*v)) < 0)
			continue;
		if ((name = strdup(de->d_name)))
			v[(*n)++] = name;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), by_index);
	return v;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

size_t fl_chunks_finish(const char *dir, bool chown_to, uid_t uid, gid_t gid)
{
	size_t n;
	char **v = list_chunks(dir, &n);

	for (size_t i = 0; i < n; i++) {
		char chunk[PATH_MAX], meta[PATH_MAX + 16];
		struct stat st;

		snprintf(chunk, sizeof(chunk), "%s/archives/%s", dir, v[i]);
		snprintf(meta, sizeof(meta), "%s/metadata", chunk);
		if (lstat(meta, &st) < 0)
			fl_trace_dir_finish_snapshot(chunk, chown_to, uid, gid);
	}
	free_list(v, n);
	return n;
}

static uint64_t usage_sum;

static int add_usage(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)flag;
	(void)ftw;
	usage_sum += (uint64_t)st->st_blocks * 512;
	return 0;
}

uint64_t fl_chunks_disk_usage(const char *dir)
{
	usage_sum = 0;
	nftw(dir, add_usage, 16, FTW_PHYS);
	return usage_sum;
}

size_t fl_chunks_cap(const char *dir, uint64_t max_bytes)
{
	size_t n, removed = 0;
	char **v = list_chunks(dir, &n);

	for (size_t i = 0; i + 1 < n && fl_chunks_disk_usage(dir) > max_bytes; i++) {
		char chunk[PATH_MAX];

		snprintf(chunk, sizeof(chunk), "%s/archives/%s", dir, v[i]);
		fl_trace_dir_remove(chunk);
		removed++;
	}
	free_list(v, n);
	return removed;
}
