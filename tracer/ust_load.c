#include "ust_load.h"

#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FL_LIBDIR
#define FL_LIBDIR "/usr/local/lib/faultline"
#endif

#define PROVIDER "faultline-ust.so"

void fl_ust_find(char *path, size_t len)
{
	const char *env = getenv("FL_UST_PROVIDER");
	char exe[4096], cand[4200];
	ssize_t n;

	path[0] = '\0';
	if (env && env[0]) {
		snprintf(path, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *dir = dirname(exe);
		snprintf(cand, sizeof(cand), "%s/%s", dir, PROVIDER);
		if (access(cand, R_OK) == 0) {
			snprintf(path, len, "%s", cand);
			return;
		}
		snprintf(cand, sizeof(cand), "%s/../lib/faultline/%s", dir, PROVIDER);
		if (access(cand, R_OK) == 0) {
			snprintf(path, len, "%s", cand);
			return;
		}
	}
	snprintf(cand, sizeof(cand), "%s/%s", FL_LIBDIR, PROVIDER);
	if (access(cand, R_OK) == 0)
		snprintf(path, len, "%s", cand);
}

const struct fl_ust_api *fl_ust_load(char *path, size_t len, struct fl_err *err)
{
	const struct fl_ust_api *api;
	void *h;

	fl_ust_find(path, len);
	if (!path[0]) {
		fl_err_set(err, -ENOENT, "cannot find %s, faultline's LTTng-UST provider", PROVIDER);
		fl_err_hint(err, "build it with `make` (it goes next to the faultline binary), install "
			    "it with `make install`, or set FL_UST_PROVIDER=/path/to/%s", PROVIDER);
		return NULL;
	}
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fl_err_set(err, -ENOENT, "cannot load %s: %s", path, dlerror());
		fl_err_hint(err, "it needs liblttng-ust: apt-get install liblttng-ust1");
		return NULL;
	}
	api = dlsym(h, FL_UST_API_SYMBOL);
	if (!api || api->version != FL_UST_API_VERSION) {
		fl_err_set(err, -EPROTO, "%s: not faultline's provider, or a different version (%d, "
			   "want %d)", path, api ? api->version : -1, FL_UST_API_VERSION);
		fl_err_hint(err, "rebuild with `make`; FL_UST_PROVIDER may point at an old copy");
		return NULL;
	}
	/* Never dlclose(): LTTng-UST's threads run code from it until exit. */
	return api;
}
