/* The end of a private lttng-sessiond's life when several recorders share
 * it.  A recorder starts one when none runs and stops it at its end; but
 * another recorder may have found it running meanwhile and made its own
 * session in it.  Stopping the daemon then would cut that recording
 * short, so the starter leaves it a note, in the daemon's run directory:
 * the daemon's pid and start time.  The last recorder whose session ends
 * in a daemon so noted stops it.  A daemon the user started is never
 * noted, so no recorder stops it. */
#ifndef FL_SESSIOND_LIFE_H
#define FL_SESSIOND_LIFE_H

#include <stdbool.h>
#include <sys/types.h>

/* The note's path: /var/run/lttng/faultline-sessiond for root (the
 * system daemon's run directory), $LTTNG_HOME/.lttng/... (else
 * $HOME/.lttng/...) for a user, as liblttng-ctl picks the daemon. */
int fl_sessiond_note_path(char *buf, size_t n);

/* Note pid as left to other recorders.  0, or -errno. */
int fl_sessiond_note_put(pid_t pid);
/* The noted daemon's pid when that very process still runs (same pid and
 * start time); 0 when there is none.  A note naming a process that has
 * gone is removed. */
pid_t fl_sessiond_note_get(void);
/* Remove the note when it names pid. */
void fl_sessiond_note_clear(pid_t pid);

/* Stop a daemon: SIGTERM (it tears down its consumer daemons), SIGKILL
 * after 5 s, and then its consumer daemons too.  Works whether or not the
 * caller is its parent; reaps it when it is. */
void fl_sessiond_stop(pid_t pid);

#endif
