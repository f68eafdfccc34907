#include "tracefs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

static bool has_events(const char *dir)
{
	char p[4200];
	struct stat st;

	snprintf(p, sizeof(p), "%s/events", dir);
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int fl_tracefs_open(char *dir, size_t len, bool *mounted, struct fl_err *err)
{
	static const char *const candidates[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing", NULL,
	};
	const char *env = getenv("FL_TRACEFS");

	*mounted = false;
	if (env && env[0]) {
		if (!has_events(env)) {
			fl_err_set(err, -ENOENT, "tracefs unavailable: FL_TRACEFS=%s has no events/ "
				   "directory", env);
			fl_err_hint(err, "unset FL_TRACEFS, or point it at a tracefs mount");
			return err->code;
		}
		snprintf(dir, len, "%s", env);
		return 0;
	}
	for (int i = 0; candidates[i]; i++) {
		if (has_events(candidates[i])) {
			snprintf(dir, len, "%s", candidates[i]);
			return 0;
		}
	}
	/* Debian mounts neither at boot; the kernel's own mount point for it
	 * is /sys/kernel/tracing. */
	if (mount("nodev", candidates[0], "tracefs", 0, NULL) == 0 && has_events(candidates[0])) {
		snprintf(dir, len, "%s", candidates[0]);
		*mounted = true;
		return 0;
	}
	fl_err_set(err, -ENOENT, "tracefs unavailable: it is not mounted and mounting it on "
		   "%s failed: %s", candidates[0], strerror(errno));
	fl_err_hint(err, "as root: mount -t tracefs nodev /sys/kernel/tracing (the kernel "
		    "needs CONFIG_FTRACE and CONFIG_TRACEPOINTS)");
	return err->code;
}

/* "field:unsigned long address;" -> name "address", type flags.  The name
 * is the last word before the ';', without an array suffix: "char comm[16]"
 * is comm, "__data_loc char[] filename" is filename. */
static int parse_decl(const char *decl, struct fl_tp_field *f)
{
	const char *semi = strchr(decl, ';');
	const char *end, *start;

	if (!semi)
		return -1;
	end = semi;
	while (end > decl && end[-1] == ' ')
		end--;
	if (end > decl && end[-1] == ']') {
		while (end > decl && *end != '[')
			end--;
	}
	start = end;
	while (start > decl && start[-1] != ' ' && start[-1] != '*')
		start--;
	if (end - start <= 0 || (size_t)(end - start) >= sizeof(f->name))
		return -1;
	memcpy(f->name, start, (size_t)(end - start));
	f->name[end - start] = '\0';
	f->data_loc = strncmp(decl, "__data_loc", 10) == 0;
	f->rel_loc = strncmp(decl, "__rel_loc", 9) == 0;
	if (f->rel_loc)
		f->data_loc = true;
	return 0;
}

int fl_tracefs_format(const char *dir, const char *sys, const char *name,
		      struct fl_tp_format *fmt, struct fl_err *err)
{
	char path[4300], line[512];
	FILE *fp;

	memset(fmt, 0, sizeof(*fmt));
	snprintf(path, sizeof(path), "%s/events/%s/%s/id", dir, sys, name);
	fp = fopen(path, "r");
	if (!fp) {
		if (errno == ENOENT)
			return -ENOENT;
		return fl_err_set(err, -errno, "cannot read %s: %s", path, strerror(errno));
	}
	if (fscanf(fp, "%" SCNu64, &fmt->id) != 1) {
		fclose(fp);
		return fl_err_set(err, -EPROTO, "%s: not a tracepoint id", path);
	}
	fclose(fp);

	snprintf(path, sizeof(path), "%s/events/%s/%s/format", dir, sys, name);
	fp = fopen(path, "r");
	if (!fp)
		return fl_err_set(err, -errno, "cannot read %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), fp)) {
		struct fl_tp_field f;
		char *p = strstr(line, "field:");
		unsigned off, size;
		int sgn = 0;
		char *q;

		if (!p)
			continue;
		memset(&f, 0, sizeof(f));
		if (parse_decl(p + 6, &f) < 0)
			continue;
		if (strncmp(f.name, "common_", 7) == 0)
			continue;
		q = strstr(p, "offset:");
		if (!q || sscanf(q, "offset:%u;\tsize:%u;\tsigned:%d;", &off, &size, &sgn) < 2)
			continue;
		f.offset = (uint16_t)off;
		f.size = (uint16_t)size;
		f.is_signed = sgn != 0;
		if (fmt->nfields < FL_TP_MAX_FIELDS)
			fmt->fields[fmt->nfields++] = f;
	}
	fclose(fp);
	return 0;
}

const struct fl_tp_field *fl_tp_field(const struct fl_tp_format *fmt, const char *name)
{
	for (int i = 0; i < fmt->nfields; i++)
		if (strcmp(fmt->fields[i].name, name) == 0)
			return &fmt->fields[i];
	return NULL;
}
