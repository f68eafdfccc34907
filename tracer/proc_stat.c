#include "proc_stat.h"

#include <stdio.h>
#include <string.h>

bool fl_proc_stat(pid_t pid, pid_t *ppid, char *state, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	unsigned long long st = 0;
	FILE *f;
	size_t n;
	int pp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "re")))
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The comm may hold spaces and parentheses: the fields follow its
	 * last ')'.  state ppid pgrp session tty_nr tpgid flags minflt
	 * cminflt majflt cmajflt utime stime cutime cstime priority nice
	 * num_threads itrealvalue starttime */
	if (!(p = strrchr(buf, ')')) || sscanf(p + 1, " %c %d", state, &pp) != 2)
		return false;
	if (start && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
			    "%*d %*d %*d %llu", &st) != 1)
		return false;
	*ppid = (pid_t)pp;
	if (start)
		*start = st;
	return true;
}

bool fl_proc_gone(pid_t pid)
{
	pid_t pp;
	char st;

	return !fl_proc_stat(pid, &pp, &st, NULL) || st == 'Z' || st == 'X';
}
