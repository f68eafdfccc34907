/* A process as /proc/PID/stat shows it: its parent, its state and its
 * start time, for the recorder's clean-up of processes it did not start
 * or whose parent has gone (guard.c, sessiond_life.c). */
#ifndef FL_PROC_STAT_H
#define FL_PROC_STAT_H

#include <stdbool.h>
#include <sys/types.h>

/* Its parent, state ('R', 'S', 'Z', ...) and start time (clock ticks
 * since boot; NULL when not wanted).  False when it does not exist. */
bool fl_proc_stat(pid_t pid, pid_t *ppid, char *state, unsigned long long *start);
/* It has exited: no such process, or a zombie not yet reaped. */
bool fl_proc_gone(pid_t pid);

#endif
