#define _GNU_SOURCE
#include "lttng_ctl.h"
#include "sessiond_life.h"
#include "mono_clock.h"

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lttng/lttng.h>

/* The liblttng-ctl calls we make, typed by the library's own header. */
struct fl_lttng_fns {
	__typeof__(lttng_session_daemon_alive) *daemon_alive;
	__typeof__(lttng_create_session) *create_session;
	__typeof__(lttng_create_session_live) *create_session_live;
	__typeof__(lttng_destroy_session) *destroy_session;
	__typeof__(lttng_create_handle) *create_handle;
	__typeof__(lttng_destroy_handle) *destroy_handle;
	__typeof__(lttng_channel_create) *channel_create;
	__typeof__(lttng_channel_destroy) *channel_destroy;
	__typeof__(lttng_channel_set_blocking_timeout) *set_blocking_timeout;
	__typeof__(lttng_enable_channel) *enable_channel;
	__typeof__(lttng_event_create) *event_create;
	__typeof__(lttng_event_destroy) *event_destroy;
	__typeof__(lttng_enable_event_with_filter) *enable_event_with_filter;
	__typeof__(lttng_start_tracing) *start_tracing;
	__typeof__(lttng_stop_tracing) *stop_tracing;
	__typeof__(lttng_list_channels) *list_channels;
	__typeof__(lttng_channel_get_discarded_event_count) *discarded;
	__typeof__(lttng_channel_get_lost_packet_count) *lost_packets;
	__typeof__(lttng_strerror) *strerror_;
	__typeof__(lttng_list_sessions) *list_sessions;
	__typeof__(lttng_stop_tracing_no_wait) *stop_no_wait;
	__typeof__(lttng_data_pending) *data_pending;
	__typeof__(lttng_destroy_session_no_wait) *destroy_no_wait;
	__typeof__(lttng_create_session_snapshot) *create_session_snapshot;
	__typeof__(lttng_snapshot_output_create) *snap_out_create;
	__typeof__(lttng_snapshot_output_destroy) *snap_out_destroy;
	__typeof__(lttng_snapshot_output_set_local_path) *snap_out_set_path;
	__typeof__(lttng_snapshot_output_set_name) *snap_out_set_name;
	__typeof__(lttng_snapshot_record) *snapshot_record;
	__typeof__(lttng_rotation_schedule_size_threshold_create) *rot_size_create;
	__typeof__(lttng_rotation_schedule_size_threshold_set_threshold) *rot_size_set;
	__typeof__(lttng_rotation_schedule_periodic_create) *rot_period_create;
	__typeof__(lttng_rotation_schedule_periodic_set_period) *rot_period_set;
	__typeof__(lttng_rotation_schedule_destroy) *rot_destroy;
	__typeof__(lttng_session_add_rotation_schedule) *rot_add;
};

static struct fl_lttng_fns fns;

#define CHANNEL "faultline"

int fl_lttng_load(struct fl_lttng *l, struct fl_err *err)
{
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
#define S(f, s) { #s, offsetof(struct fl_lttng_fns, f) }
		S(daemon_alive, lttng_session_daemon_alive),
		S(create_session, lttng_create_session),
		S(create_session_live, lttng_create_session_live),
		S(destroy_session, lttng_destroy_session),
		S(create_handle, lttng_create_handle),
		S(destroy_handle, lttng_destroy_handle),
		S(channel_create, lttng_channel_create),
		S(channel_destroy, lttng_channel_destroy),
		S(set_blocking_timeout, lttng_channel_set_blocking_timeout),
		S(enable_channel, lttng_enable_channel),
		S(event_create, lttng_event_create),
		S(event_destroy, lttng_event_destroy),
		S(enable_event_with_filter, lttng_enable_event_with_filter),
		S(start_tracing, lttng_start_tracing),
		S(stop_tracing, lttng_stop_tracing),
		S(list_channels, lttng_list_channels),
		S(discarded, lttng_channel_get_discarded_event_count),
		S(lost_packets, lttng_channel_get_lost_packet_count),
		S(strerror_, lttng_strerror),
		S(list_sessions, lttng_list_sessions),
		S(stop_no_wait, lttng_stop_tracing_no_wait),
		S(data_pending, lttng_data_pending),
		S(destroy_no_wait, lttng_destroy_session_no_wait),
		S(create_session_snapshot, lttng_create_session_snapshot),
		S(snap_out_create, lttng_snapshot_output_create),
		S(snap_out_destroy, lttng_snapshot_output_destroy),
		S(snap_out_set_path, lttng_snapshot_output_set_local_path),
		S(snap_out_set_name, lttng_snapshot_output_set_name),
		S(snapshot_record, lttng_snapshot_record),
		S(rot_size_create, lttng_rotation_schedule_size_threshold_create),
		S(rot_size_set, lttng_rotation_schedule_size_threshold_set_threshold),
		S(rot_period_create, lttng_rotation_schedule_periodic_create),
		S(rot_period_set, lttng_rotation_schedule_periodic_set_period),
		S(rot_destroy, lttng_rotation_schedule_destroy),
		S(rot_add, lttng_session_add_rotation_schedule),
#undef S
	};

	memset(l, 0, sizeof(*l));
	l->lib = dlopen("liblttng-ctl.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!l->lib) {
		fl_err_set(err, -ENOENT, "cannot load liblttng-ctl: %s", dlerror());
		fl_err_hint(err, "install LTTng's control library: apt-get install liblttng-ctl0 lttng-tools");
		return err->code;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *p = dlsym(l->lib, syms[i].name);
		if (!p) {
			fl_err_set(err, -ENOENT, "liblttng-ctl has no %s (LTTng 2.13 or later is needed)",
				   syms[i].name);
			return err->code;
		}
		memcpy((char *)&fns + syms[i].off, &p, sizeof(p));
	}
	l->fn = &fns;
	return 0;
}

static const char *lerr(const struct fl_lttng *l, int code)
{
	return l->fn->strerror_(code);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int fl_lttng_sessiond_spawn(struct fl_lttng *l, struct fl_err *err)
{
	const char *bin = getenv("LTTNG_SESSIOND_PATH");
	pid_t pid;

	l->spawned_pid = 0;
	if (l->fn->daemon_alive() == 1)
		return 0;
	if (!bin || !bin[0])
		bin = "lttng-sessiond";
	snprintf(l->sessiond_bin, sizeof(l->sessiond_bin), "%s", bin);
	pid = fork();
	if (pid < 0)
		return fl_err_set(err, -errno, "cannot start lttng-sessiond: fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		/* Its own session: the terminal's SIGINT is for the recorded
		 * command and the recorder, not for the daemon. */
		setsid();
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* Userspace tracing only: no kernel modules to load. */
		execlp(bin, bin, "--no-kernel", (char *)NULL);
		_exit(127);
	}
	l->spawned_pid = pid;
	l->spawn_ns = fl_mono_ns();
	return 0;
}

/* How many times a daemon that exits at once is started again. */
#define SESSIOND_RESPAWNS 3

/* Our daemon left: whether another one answers, within 1 s (it may still
 * be on its way up).  That is why ours leaves when another recorder
 * started one at the same moment: it sees one run. */
static bool other_daemon_answers(const struct fl_lttng *l)
{
	for (int i = 0; i < 500; i++) {
		if (l->fn->daemon_alive() == 1)
			return true;
		sleep_ms(2);
	}
	return false;
}

int fl_lttng_sessiond_wait(struct fl_lttng *l, bool quiet, struct fl_err *err)
{
	const char *bin = l->sessiond_bin;
	pid_t pid = l->spawned_pid;
	int status, respawns = 0;

	if (pid <= 0)
		return 0;
	/* Ready when it answers; give it 10 s (it is usually 50 ms). */
	for (int i = 0; i < 5000; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			bool not_found = WIFEXITED(status) && WEXITSTATUS(status) == 127;

			l->spawned_pid = 0;
			/* Another daemon came up meanwhile: use that one, and
			 * leave it be. */
			if (!not_found && other_daemon_answers(l)) {
				if (!quiet)
					fprintf(stderr, "faultline record: using the lttng-sessiond "
						"that started meanwhile\n");
				return 0;
			}
			/* None answers: ours met one that was ending (another
			 * recording's private daemon, still holding the lock
			 * it refuses to share) and that one is gone now.
			 * Start ours again, a few times. */
			if (!not_found && respawns++ < SESSIOND_RESPAWNS) {
				int rc = fl_lttng_sessiond_spawn(l, err);

				if (rc < 0)
					return rc;
				if (l->spawned_pid <= 0)
					return 0;	/* one answers now */
				pid = l->spawned_pid;
				continue;
			}
			fl_err_set(err, -ECHILD, "lttng-sessiond cannot start: '%s' %s %d", bin,
				   WIFEXITED(status) ? "exited with status" : "was killed by signal",
				   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			if (not_found)
				fl_err_hint(err, "'%s' was not found: apt-get install lttng-tools, or set "
					    "LTTNG_SESSIOND_PATH", bin);
			else
				fl_err_hint(err, "run '%s --no-kernel -vvv' to see why", bin);
			return err->code;
		}
		if (l->fn->daemon_alive() == 1) {
			l->sessiond_pid = pid;
			l->spawned_pid = 0;
			l->sessiond_ready_ns = fl_mono_ns() - l->spawn_ns;
			if (!quiet)
				fprintf(stderr, "faultline record: started a private lttng-sessiond "
					"(pid %d); it is stopped at the end\n", (int)pid);
			return 0;
		}
		sleep_ms(2);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	l->spawned_pid = 0;
	fl_err_set(err, -ETIMEDOUT, "lttng-sessiond cannot start: '%s' did not answer within 10 s", bin);
	fl_err_hint(err, "run '%s --no-kernel -vvv' to see why", bin);
	return err->code;
}

int fl_lttng_sessiond(struct fl_lttng *l, bool quiet, struct fl_err *err)
{
	int rc = fl_lttng_sessiond_spawn(l, err);

	return rc < 0 ? rc : fl_lttng_sessiond_wait(l, quiet, err);
}

/* Size and time rotation: LTTng closes the trace chunk and starts a new
 * one; each closed chunk lands in DIR/archives/ as a trace of its own. */
static int add_rotation(struct fl_lttng *l, const struct fl_lttng_channel_opts *o,
			struct fl_err *err)
{
	struct lttng_rotation_schedule *sch;
	enum lttng_rotation_status st;

	if (o->rotate_size) {
		if (!(sch = l->fn->rot_size_create()))
			return fl_err_set(err, -ENOMEM, "out of memory");
		st = l->fn->rot_size_set(sch, o->rotate_size);
		if (st == LTTNG_ROTATION_STATUS_OK)
			st = l->fn->rot_add(l->session, sch);
		l->fn->rot_destroy(sch);
		if (st != LTTNG_ROTATION_STATUS_OK)
			return fl_err_set(err, -EIO, "cannot rotate the trace every %" PRIu64 " bytes: "
					  "LTTng said %d", o->rotate_size, (int)st);
	}
	if (o->rotate_every_us) {
		if (!(sch = l->fn->rot_period_create()))
			return fl_err_set(err, -ENOMEM, "out of memory");
		st = l->fn->rot_period_set(sch, o->rotate_every_us);
		if (st == LTTNG_ROTATION_STATUS_OK)
			st = l->fn->rot_add(l->session, sch);
		l->fn->rot_destroy(sch);
		if (st != LTTNG_ROTATION_STATUS_OK)
			return fl_err_set(err, -EIO, "cannot rotate the trace every %" PRIu64 " us: "
					  "LTTng said %d", o->rotate_every_us, (int)st);
	}
	return 0;
}

int fl_lttng_start(struct fl_lttng *l, const char *name, const char *dir,
		   const struct fl_lttng_channel_opts *o, struct fl_err *err)
{
	struct lttng_domain dom;
	struct lttng_channel *chan;
	struct lttng_event *ev;
	char filter[64];
	int rc;

	snprintf(l->session, sizeof(l->session), "%s", name);
	/* A snapshot session writes nothing until a snapshot is taken; its
	 * channels are rings in memory that overwrite their oldest packets. */
	rc = o->snapshot ? l->fn->create_session_snapshot(l->session, NULL)
	     : o->live_timer_us ? l->fn->create_session_live(l->session, dir,
							     (unsigned int)o->live_timer_us)
			 : l->fn->create_session(l->session, dir);
	if (rc < 0) {
		fl_err_set(err, -EIO, "cannot create the LTTng session '%s' writing to %s: %s",
			   l->session, dir, lerr(l, rc));
		return err->code;
	}
	l->created = true;
	memset(&dom, 0, sizeof(dom));
	dom.type = LTTNG_DOMAIN_UST;
	dom.buf_type = LTTNG_BUFFER_PER_UID;
	l->handle = l->fn->create_handle(l->session, &dom);
	if (!l->handle)
		return fl_err_set(err, -ENOMEM, "cannot create an LTTng handle");

	chan = l->fn->channel_create(&dom);
	if (!chan)
		return fl_err_set(err, -ENOMEM, "cannot create an LTTng channel");
	snprintf(chan->name, sizeof(chan->name), "%s", CHANNEL);
	/* discard, and count, when full; or the flight recorder's overwrite */
	chan->attr.overwrite = o->snapshot ? 1 : 0;
	chan->attr.subbuf_size = o->subbuf_size;
	chan->attr.num_subbuf = o->num_subbuf;
	chan->attr.switch_timer_interval = 0;
	chan->attr.read_timer_interval = 200000;
	chan->attr.output = LTTNG_EVENT_MMAP;
	/* Blocking makes no sense for rings that overwrite. */
	rc = o->snapshot ? 0 : l->fn->set_blocking_timeout(chan, o->blocking_timeout_us);
	if (rc == 0)
		rc = l->fn->enable_channel(l->handle, chan);
	l->fn->channel_destroy(chan);
	if (rc < 0) {
		fl_err_set(err, -EIO, "cannot add the LTTng channel: %s", lerr(l, rc));
		return err->code;
	}

	ev = l->fn->event_create();
	if (!ev)
		return fl_err_set(err, -ENOMEM, "cannot create an LTTng event rule");
	snprintf(ev->name, sizeof(ev->name), "faultline:*");
	ev->type = LTTNG_EVENT_TRACEPOINT;
	ev->loglevel_type = LTTNG_EVENT_LOGLEVEL_ALL;
	ev->loglevel = -1;
	/* Only this recorder's own provider calls: every faultline record
	 * loads the same provider, and a UST event rule takes the events of
	 * every process that has it, so two recordings at once would each get
	 * the other's events. */
	snprintf(filter, sizeof(filter), "$ctx.vpid == %d", (int)getpid());
	rc = l->fn->enable_event_with_filter(l->handle, ev, CHANNEL, filter);
	l->fn->event_destroy(ev);
	if (rc < 0) {
		fl_err_set(err, -EIO, "cannot enable the faultline:* events: %s", lerr(l, rc));
		return err->code;
	}
	if ((rc = add_rotation(l, o, err)) < 0)
		return rc;
	l->rotating = o->rotate_size || o->rotate_every_us;
	rc = l->fn->start_tracing(l->session);
	if (rc < 0) {
		fl_err_set(err, -EIO, "cannot start the LTTng session: %s", lerr(l, rc));
		return err->code;
	}
	l->started = true;
	return 0;
}

int fl_lttng_snapshot(struct fl_lttng *l, const char *path, struct fl_err *err)
{
	struct lttng_snapshot_output *out = l->fn->snap_out_create();
	int rc;

	if (!out)
		return fl_err_set(err, -ENOMEM, "cannot take a snapshot: out of memory");
	rc = l->fn->snap_out_set_path(path, out);
	if (rc == 0)
		rc = l->fn->snap_out_set_name("faultline", out);
	if (rc == 0)
		rc = l->fn->snapshot_record(l->session, out, 1);
	l->fn->snap_out_destroy(out);
	if (rc < 0) {
		fl_err_set(err, -EIO, "cannot write the snapshot to %s: %s", path, lerr(l, rc));
		return err->code;
	}
	return 0;
}

int fl_lttng_stop(struct fl_lttng *l, uint64_t *discarded, uint64_t *lost_packets,
		  struct fl_err *err)
{
	struct lttng_channel *chans = NULL;
	int rc, n;

	*discarded = *lost_packets = 0;
	if (!l->started)
		return 0;
	/* lttng_stop_tracing() checks for pending data every 200 ms; every
	 * 2 ms here takes that much off every recording's end. */
	rc = l->fn->stop_no_wait(l->session);
	l->started = false;
	if (rc < 0) {
		fl_err_set(err, -EIO, "cannot stop the LTTng session: %s", lerr(l, rc));
		return err->code;
	}
	for (int i = 0; i < 60000 && (rc = l->fn->data_pending(l->session)) == 1; i++)
		sleep_ms(2);
	/* Everything is on disk: destroying need not wait again. */
	l->flushed = rc == 0;
	n = l->fn->list_channels(l->handle, &chans);
	for (int i = 0; i < n; i++) {
		uint64_t d = 0, p = 0;
		l->fn->discarded(&chans[i], &d);
		l->fn->lost_packets(&chans[i], &p);
		*discarded += d;
		*lost_packets += p;
	}
	free(chans);
	return 0;
}

/* Sessions the daemon holds now (ours destroyed): -1 when it cannot say. */
static int sessions_left(const struct fl_lttng *l)
{
	struct lttng_session *s = NULL;
	int n = l->fn->list_sessions(&s);

	free(s);
	return n;
}

/* Our daemon, with sessions of other recorders in it: note it for the last
 * of them (sessiond_life.h).  Then count again: the last one may have
 * ended between the count and the note, seeing no note.  True when it is
 * left running. */
static bool leave_to_others(const struct fl_lttng *l, int n)
{
	if (fl_sessiond_note_put(l->sessiond_pid) < 0)
		return true;	/* cannot note it: ending it would cut theirs */
	if ((n = sessions_left(l)) == 0) {
		fl_sessiond_note_clear(l->sessiond_pid);
		return false;
	}
	fprintf(stderr, "faultline record: left the lttng-sessiond it started (pid %d) "
		"running: %d other session%s use%s it; the last faultline record using it "
		"stops it\n", (int)l->sessiond_pid, n, n > 1 ? "s" : "", n > 1 ? "" : "s");
	return true;
}

void fl_lttng_cleanup(struct fl_lttng *l)
{
	bool had_session;

	if (!l->fn)
		return;
	had_session = l->created;
	if (l->started) {
		l->fn->stop_tracing(l->session);
		l->started = false;
	}
	if (l->handle) {
		l->fn->destroy_handle(l->handle);
		l->handle = NULL;
	}
	if (l->created) {
		/* With rotation, destroying closes the last chunk: wait for it. */
		if (l->flushed && !l->rotating)
			l->fn->destroy_no_wait(l->session);
		else
			l->fn->destroy_session(l->session);
		l->created = false;
	}
	if (l->spawned_pid > 0) {
		/* Started, never waited for: an error on the way.  A daemon
		 * still starting up may not act on SIGTERM yet (it installs its
		 * handlers, then waits on a pipe the handler writes to): give it
		 * 2 s, then SIGKILL, never an unbounded wait. */
		int status;
		bool reaped = false;

		kill(l->spawned_pid, SIGTERM);
		for (int i = 0; i < 200 && !reaped; i++) {
			reaped = waitpid(l->spawned_pid, &status, WNOHANG) == l->spawned_pid;
			if (!reaped)
				sleep_ms(10);
		}
		if (!reaped) {
			kill(l->spawned_pid, SIGKILL);
			waitpid(l->spawned_pid, &status, 0);
		}
		l->spawned_pid = 0;
	}
	if (l->sessiond_pid > 0) {
		int n = sessions_left(l);

		/* Another recorder found our daemon running and uses it:
		 * stopping it would end that recording. */
		if (n > 0 && leave_to_others(l, n)) {
			l->sessiond_pid = 0;
			return;
		}
		fl_sessiond_stop(l->sessiond_pid);
		l->sessiond_pid = 0;
	} else if (had_session) {
		/* We used a daemon another recorder started and left to the
		 * last recording in it: when that was ours, stop it. */
		pid_t noted = fl_sessiond_note_get();

		if (noted > 0 && sessions_left(l) == 0) {
			fl_sessiond_note_clear(noted);
			fl_sessiond_stop(noted);
			fprintf(stderr, "faultline record: stopped the lttng-sessiond (pid %d) another "
				"faultline record started and left running for this one\n", (int)noted);
		}
	}
	/* liblttng-ctl stays mapped: it keeps thread-local state that would
	 * dangle, and the process is about to exit anyway. */
}
