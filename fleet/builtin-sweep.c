/* faultline sweep: replay traces x strategies x profiles x knob settings x
 * seeds on a scheduler (GNU parallel, a Slurm array, or a list for any
 * other), one database shard per job, then merge the shards. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "builtin.h"
#include "fl_array.h"
#include "fl_err.h"
#include "merge.h"
#include "strategy.h"
#include "sweep.h"

enum emit { EMIT_RUN, EMIT_LIST, EMIT_SLURM };

#define CMD_MAX 16384
#define MAX_LIST 64

struct opts {
	const char *strategies[MAX_LIST], *profiles[MAX_LIST], *sshlogin[MAX_LIST];
	size_t nstrategies, nprofiles, nsshlogin;
	struct sweep_axis axes[MAX_LIST];
	size_t naxes;
	uint64_t seed, nseeds;
	const char *out, *dir, *jobs;
	int emit;		/* enum emit, the index of --emit's word */
	bool serial;
};

/* The command line of sweep, filled by fl_cmd_parse() (lib/fl_opt.h). */
static struct opts so;

/* Split a comma list into list (pointers into s, which is modified): 0,
 * or -1 with the message in err. */
static int split(char *s, const char **list, size_t *n, const char *what, char *err,
		 size_t errlen)
{
	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		if (*n == MAX_LIST) {
			snprintf(err, errlen, "too many %s (at most %d)", what, MAX_LIST);
			return -1;
		}
		list[(*n)++] = tok;
	}
	return 0;
}

/* The option callbacks (struct fl_option.cb): value is &so; arg is
 * argv's, ours to cut at its commas and '='. */
static int take_strategies(void *value, const char *arg, char *err, size_t errlen)
{
	struct opts *o = value;

	if (strcmp(arg, "all") == 0) {
		for (size_t i = 0; fl_strategies[i]; i++)
			if (o->nstrategies < MAX_LIST)
				o->strategies[o->nstrategies++] = fl_strategies[i]->name;
		return 0;
	}
	return split((char *)arg, o->strategies, &o->nstrategies, "strategies", err, errlen);
}

static int take_profiles(void *value, const char *arg, char *err, size_t errlen)
{
	struct opts *o = value;

	return split((char *)arg, o->profiles, &o->nprofiles, "profiles", err, errlen);
}

static int take_axis(void *value, const char *arg, char *err, size_t errlen)
{
	struct opts *o = value;
	char *key = (char *)arg, *eq = strchr(key, '=');
	struct sweep_axis *ax;

	if (!eq || eq == key || !eq[1]) {
		snprintf(err, errlen, "--set wants KEY=V1,V2,..., got '%s'", arg);
		return -1;
	}
	*eq = '\0';
	for (size_t i = 0; i < o->naxes; i++) {
		if (!strcmp(o->axes[i].key, key)) {
			snprintf(err, errlen, "--set %s given twice: list its values in one "
				 "(--set %s=V1,V2)", key, key);
			return -1;
		}
	}
	if (o->naxes == MAX_LIST) {
		snprintf(err, errlen, "too many --set knobs");
		return -1;
	}
	ax = &o->axes[o->naxes];
	ax->key = key;
	ax->vals = calloc(MAX_LIST, sizeof(*ax->vals));
	if (!ax->vals) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	o->naxes++;
	return split(eq + 1, (const char **)ax->vals, &ax->nvals, "values", err, errlen);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || end == s || *end || s[0] == '-' ? -1 : 0;
}

static int take_seed(void *value, const char *arg, char *err, size_t errlen)
{
	struct opts *o = value;

	if (parse_u64(arg, &o->seed) == 0)
		return 0;
	snprintf(err, errlen, "--seed: '%s' is not a number", arg);
	return -1;
}

static int take_seeds(void *value, const char *arg, char *err, size_t errlen)
{
	struct opts *o = value;

	if (parse_u64(arg, &o->nseeds) == 0 && o->nseeds >= 1 && o->nseeds <= 10000)
		return 0;
	snprintf(err, errlen, "--seeds: '%s' is not a count from 1 to 10000", arg);
	return -1;
}

/* -j: checked here, given to GNU parallel as written. */
static int take_jobs(void *value, const char *arg, char *err, size_t errlen)
{
	struct opts *o = value;
	uint64_t j;

	if (parse_u64(arg, &j) < 0 || j == 0 || j > 4096) {
		snprintf(err, errlen, "-j: '%s' is not a job count from 1 to 4096", arg);
		return -1;
	}
	o->jobs = arg;
	return 0;
}

static int take_sshlogin(void *value, const char *arg, char *err, size_t errlen)
{
	struct opts *o = value;

	if (o->nsshlogin == MAX_LIST) {
		snprintf(err, errlen, "too many --sshlogin");
		return -1;
	}
	o->sshlogin[o->nsshlogin++] = arg;
	return 0;
}

/* --emit's words, in enum emit's order. */
static const char *const emit_names[] = { "run", "list", "slurm", NULL };

static const struct fl_option sweep_options[] = {
	{ FL_OPT_CALLBACK, 's', "strategy", "S,...", "strategies (classic, pervma, spf, spf-mmseq,\n"
	  "all); default pervma", &so, NULL, 0, NULL, NULL, take_strategies },
	{ FL_OPT_CALLBACK, 'p', "profile", "P,...", "profiles (6.4, 6.15+, v11, ...)", &so, NULL, 0,
	  NULL, NULL, take_profiles },
	{ FL_OPT_CALLBACK, 0, "set", "K=V1,V2,...", "a knob and its values: one axis of the grid",
	  &so, NULL, 0, NULL, NULL, take_axis },
	{ FL_OPT_CALLBACK, 0, "seed", "N", "the first seed (default 0)", &so, NULL, 0, NULL, NULL,
	  take_seed },
	{ FL_OPT_CALLBACK, 0, "seeds", "N", "N seeds per setting: N, N+1, ... (default 1)", &so,
	  NULL, 0, NULL, NULL, take_seeds },
	{ FL_OPT_CALLBACK, 'j', "jobs", "N", "jobs at once per host (GNU parallel's -j; its\n"
	  "default is one per CPU)", &so, NULL, 0, NULL, NULL, take_jobs },
	{ FL_OPT_CALLBACK, 0, "sshlogin", "LOGIN", "run jobs on LOGIN too (GNU parallel's\n"
	  "--sshlogin, ':' is this host); every host needs\n"
	  "faultline, the traces and DIR at the same paths\n"
	  "(a shared file system)", &so, NULL, 0, NULL, NULL, take_sshlogin },
	{ FL_OPT_FLAG, 0, "serial", NULL, "run the jobs one at a time here, without GNU\n"
	  "parallel", &so.serial, NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_CHOICE, 0, "emit", "HOW", "run (default): run the jobs, then merge; list:\n"
	  "print the commands of the jobs to run, one a\n"
	  "line, and run nothing (for any other scheduler);\n"
	  "slurm: print a Slurm array script of the jobs to\n"
	  "run; submit it with sbatch, then run the sweep\n"
	  "again to merge", &so.emit, NULL, 0, "output", emit_names, NULL },
	{ FL_OPT_STRING, 'd', "shards", "DIR", "the shards' directory (default OUT.shards)", &so.dir,
	  NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_STRING, 'o', "output", "OUT", "the merged database (default sweep.db)", &so.out,
	  NULL, 0, NULL, NULL, NULL },
	FL_OPT_END_,
};

/* The command that runs one job: the replay into its shard, with the
 * sweep's decode cache (every job of a trace but the first reads the trace
 * decoded), its output into the shard's log.  -1 when it does not fit. */
static int job_command(const char *exe, const struct sweep_job *j, const char *cache, char *cmd,
		       size_t size)
{
	cmd[0] = '\0';
	fl_sweep_shell_quote(cmd, size, exe);
	for (int i = 0; i < j->argc; i++) {
		strncat(cmd, " ", size - strlen(cmd) - 1);
		if (i == j->argc - 1) {	/* the trace: -o SHARD --decode-cache DIR before it */
			strncat(cmd, "-o ", size - strlen(cmd) - 1);
			fl_sweep_shell_quote(cmd, size, j->shard);
			strncat(cmd, " --decode-cache ", size - strlen(cmd) - 1);
			fl_sweep_shell_quote(cmd, size, cache);
			strncat(cmd, " ", size - strlen(cmd) - 1);
		}
		fl_sweep_shell_quote(cmd, size, j->argv[i]);
	}
	strncat(cmd, " >", size - strlen(cmd) - 1);
	fl_sweep_shell_quote(cmd, size, j->log);
	strncat(cmd, " 2>&1 && ", size - strlen(cmd) - 1);
	/* The shard's trace hashed here, in parallel, not by the final merge. */
	fl_sweep_shell_quote(cmd, size, exe);
	strncat(cmd, " merge --hash-only ", size - strlen(cmd) - 1);
	fl_sweep_shell_quote(cmd, size, j->shard);
	strncat(cmd, " >>", size - strlen(cmd) - 1);
	fl_sweep_shell_quote(cmd, size, j->log);
	strncat(cmd, " 2>&1", size - strlen(cmd) - 1);
	return strlen(cmd) + 1 >= size ? -1 : 0;
}

static int mkdir_p(const char *dir)
{
	char p[PATH_MAX];

	if ((size_t)snprintf(p, sizeof(p), "%s", dir) >= sizeof(p))
		return -ENAMETOOLONG;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0777) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Run argv and wait: its exit status, 127 when it cannot be run. */
static int run_wait(char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Jobs to a line of GNU parallel's job list: at most 7, so that the line's
 * exit value can say which of them failed, one bit each, below 128. */
#define GROUP_MAX 7
/* A line takes at most 1/LINE_SHARE of the jobs left per job slot. */
#define LINE_SHARE 3

/* About how many jobs GNU parallel runs at once: -j (its default, one per
 * CPU) on each host, or the N of an --sshlogin N/HOST. */
static size_t job_slots(const struct opts *o)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t per = o->jobs ? strtoul(o->jobs, NULL, 10) : cpus > 0 ? (size_t)cpus : 1, n = 0;

	if (!o->nsshlogin)
		return per;
	for (size_t i = 0; i < o->nsshlogin; i++) {
		char *end;
		unsigned long k = strtoul(o->sshlogin[i], &end, 10);

		n += end != o->sshlogin[i] && *end == '/' && k ? k : per;
	}
	return n;
}

/* The lines of the job list: line l holds the commands line_first[l] to
 * line_first[l + 1] - 1; returns how many lines.  GNU parallel costs some
 * 30 ms of CPU per line it starts, a third of a short replay, so short
 * jobs go several to a line: each line takes a share of the jobs left per
 * job slot (up to GROUP_MAX), so the lines shrink towards the end and the
 * last ones, which may leave a slot idle, are of one job.  With --serial
 * (slots 0) every line is one job. */
static size_t plan_lines(size_t slots, size_t n, size_t *line_first)
{
	size_t nlines = 0, i = 0;

	while (i < n) {
		size_t k = slots ? (n - i) / (slots * LINE_SHARE) : 1;

		k = k < 1 ? 1 : k > GROUP_MAX ? GROUP_MAX : k;
		line_first[nlines++] = i;
		i += k;
	}
	line_first[nlines] = n;
	return nlines;
}

/* The job list, a line per line_first[].  A line of one job is its
 * command; a line of several runs them one after another whatever each
 * gives, and exits with bit i set when its job i failed: GNU parallel's job
 * log then says which jobs of the line finished (read_joblog()). */
static int write_job_list(const char *path, char **cmds, const size_t *line_first, size_t nlines)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	for (size_t l = 0; l < nlines; l++) {
		size_t i = line_first[l], k = line_first[l + 1] - i;

		if (k == 1) {
			fprintf(f, "%s\n", cmds[i]);
			continue;
		}
		fprintf(f, "f=0;");
		for (size_t j = 0; j < k; j++)
			fprintf(f, " %s || f=$((f | %u));", cmds[i + j], 1u << j);
		fprintf(f, " exit $f\n");
	}
	if (fclose(f) != 0)
		return -EIO;
	return 0;
}

/* The sweep's merges into OUT. */
struct merger {
	const char *out;
	bool made;			/* a merge of this sweep opened OUT already */
	struct fl_merge_stats stats;	/* what they found */
};

/* Merge shards[0..n) into OUT, in order, in groups of
 * fl_merge_fast_shards(), one transaction each: fl_merge() copies that many
 * shards a table at a time, and any beyond them row by row.  The ids and
 * rows are those of one merge of them all.  OUT goes through the store
 * writer's checks once a sweep (FL_MERGE_OUT_MADE after), and its
 * statistics are gathered by the last group when analyze (only that, with
 * no shard left).  *done: how many were merged; 0, or -1 when a merge
 * failed, err saying why. */
static int merge_groups(struct merger *mg, const char *const *shards, size_t n, bool analyze,
			size_t *done, struct fl_err *err)
{
	size_t group = fl_merge_fast_shards();

	*done = 0;
	while (*done < n || analyze) {
		struct fl_merge_stats ms;
		size_t k = n - *done < group ? n - *done : group;
		bool last = *done + k == n;
		unsigned flags = (mg->made ? FL_MERGE_OUT_MADE : 0) |
				 (analyze && last ? 0 : FL_MERGE_NO_ANALYZE);

		if (fl_merge_ex(mg->out, shards + *done, k, flags, &ms, err) < 0)
			return -1;
		mg->made = true;
		mg->stats.traces_added += ms.traces_added;
		mg->stats.traces_known += ms.traces_known;
		mg->stats.runs_added += ms.runs_added;
		mg->stats.runs_known += ms.runs_known;
		*done += k;
		if (last)
			break;
	}
	return 0;
}

/* While GNU parallel runs the jobs, the shards it has finished are merged,
 * in the matrix's order (so the ids are those of the serial replays): the
 * merge overlaps the jobs still running instead of following them all. */
struct follow {
	const struct opts *o;
	struct sweep_jobs *jobs;
	const size_t *pending_job;	/* the job of each command of jobs.txt */
	size_t npending;
	const size_t *line_first;	/* the first command of each line of it */
	size_t nlines;
	bool *finished;			/* per job: its whole command exited 0 */
	size_t next;			/* the first job not merged yet */
	bool failed;			/* a merge failed: leave it to the last one */
	off_t logsize;			/* the job log's size when last read */
	struct merger merger;		/* the merges along the way, then the last */
};

/* GNU parallel's job log: a header, then per finished line of the job list
 * a line whose first field is its number in the list, its seventh its exit
 * value and its eighth the signal that killed it.  A job of the line
 * finished when the line ran to its end and the job's bit of the exit
 * value is clear (write_job_list()); a line of one job, when it exited 0. */
static void read_joblog(struct follow *f, const char *joblog)
{
	FILE *fp = fopen(joblog, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!fp)
		return;
	while (getline(&line, &cap, fp) > 0) {
		unsigned long seq;
		long exitval, sig;
		char *p = line, *end;

		seq = strtoul(p, &end, 10);
		if (end == p || *end != '\t' || seq < 1 || seq > f->nlines)
			continue;	/* the header, or a line being written */
		for (int field = 1; field < 7 && p; field++) {
			p = strchr(p, '\t');
			if (p)
				p++;
		}
		if (!p)
			continue;
		exitval = strtol(p, &end, 10);
		if (end == p || *end != '\t')
			continue;
		p = end + 1;
		sig = strtol(p, &end, 10);
		if (end == p || *end != '\t' || sig != 0 || exitval < 0 || exitval >= 128)
			continue;
		for (size_t i = f->line_first[seq - 1], j = 0; i < f->line_first[seq]; i++, j++)
			if (f->line_first[seq] - f->line_first[seq - 1] == 1 ? exitval == 0
									    : !(exitval & (1L << j)))
				f->finished[f->pending_job[i]] = true;
	}
	free(line);
	fclose(fp);
}

static void merge_finished(struct follow *f, const char *joblog, const char **shards)
{
	struct fl_err err = { 0 };
	struct stat st;
	size_t n = 0, done;

	/* Polled often, so that the last shards are merged soon after their
	 * jobs: the log is read again only when it has grown. */
	if (f->failed || stat(joblog, &st) < 0 || st.st_size == f->logsize)
		return;
	f->logsize = st.st_size;
	read_joblog(f, joblog);
	/* A job's command exited 0, and its shard holds a run (as the last
	 * merge asks of the shards it takes): what is merged here is not
	 * looked at again. */
	while (f->next + n < f->jobs->n &&
	       (f->jobs->v[f->next + n].done ||
		(f->finished[f->next + n] && fl_sweep_shard_done(f->jobs->v[f->next + n].shard))))
		n++;
	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		shards[i] = f->jobs->v[f->next + i].shard;
	/* The statistics are left to the last merge. */
	if (merge_groups(&f->merger, shards, n, false, &done, &err) < 0)
		f->failed = true;
	f->next += done;
}

static int run_parallel(const struct opts *o, const char *list, struct follow *f, const char **shards)
{
	char joblog[PATH_MAX];
	const char *argv[16 + 3 * MAX_LIST];
	int n = 0, rc, status;
	pid_t pid;

	snprintf(joblog, sizeof(joblog), "%s/joblog", o->dir);
	unlink(joblog);	/* an older run's is not this one's */
	argv[n++] = "parallel";
	argv[n++] = "--will-cite";
	argv[n++] = "--joblog";
	argv[n++] = joblog;
	if (o->jobs) {
		argv[n++] = "-j";
		argv[n++] = o->jobs;
	}
	for (size_t i = 0; i < o->nsshlogin; i++) {
		argv[n++] = "--sshlogin";
		argv[n++] = o->sshlogin[i];
	}
	if (o->nsshlogin) {	/* the same directory on every host */
		argv[n++] = "--workdir";
		argv[n++] = ".";
	}
	argv[n++] = "::::";
	argv[n++] = list;
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		/* The commands are written for sh (fl_sweep_shell_quote()), and
		 * --serial runs them with /bin/sh: GNU parallel would start the
		 * user's $SHELL, often bash, dearer to start once per job.  A
		 * PARALLEL_SHELL of the user's own is kept; a remote host runs
		 * its login shell whatever this says. */
		if (!o->nsshlogin)
			setenv("PARALLEL_SHELL", "/bin/sh", 0);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	rc = pid < 0 ? -1 : 0;
	while (pid > 0) {
		const struct timespec tick = { 0, 50000000 };
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w < 0 && errno != EINTR) {
			rc = -1;
			break;
		}
		if (w == pid) {
			rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
			break;
		}
		merge_finished(f, joblog, shards);
		nanosleep(&tick, NULL);
	}
	if (rc == 127 || rc < 0) {
		fl_error("cannot run GNU parallel: %s", rc < 0 ? strerror(errno) : "not found");
		fprintf(stderr, "hint: install it (Debian: apt-get install parallel), or run the jobs "
				"one at a time with --serial, or take them with --emit list\n");
		return -1;
	}
	return 0;	/* failed jobs show as shards without a run */
}

static int run_serial(char **cmds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *argv[] = { "/bin/sh", "-c", cmds[i], NULL };

		if (run_wait(argv) < 0) {
			fl_error("cannot run a job: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void print_slurm(const struct opts *o, char **cmds, size_t n)
{
	char cwd[PATH_MAX], q[PATH_MAX * 2] = "";

	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), ".");
	fl_sweep_shell_quote(q, sizeof(q), cwd);
	printf("#!/bin/sh\n"
	       "# faultline sweep: %zu replay%s as a Slurm job array.  Submit with\n"
	       "#   sbatch THIS_FILE\n"
	       "# and when the array has finished, run the same `faultline sweep`\n"
	       "# without --emit: it finds the shards done and merges them into %s.\n"
	       "#SBATCH --job-name=faultline-sweep\n"
	       "#SBATCH --array=1-%zu\n"
	       "#SBATCH --ntasks=1\n"
	       "#SBATCH --output=%s/slurm-%%A_%%a.out\n"
	       "cd %s || exit 1\n"
	       "case \"$SLURM_ARRAY_TASK_ID\" in\n",
	       n, n == 1 ? "" : "s", o->out, n ? n : 1, o->dir, q);
	for (size_t i = 0; i < n; i++)
		printf("%zu) %s ;;\n", i + 1, cmds[i]);
	printf("*) echo \"faultline sweep: no job $SLURM_ARRAY_TASK_ID\" >&2; exit 2 ;;\n"
	       "esac\n");
}

static void free_opts(struct opts *o)
{
	for (size_t i = 0; i < o->naxes; i++)
		free(o->axes[i].vals);
}

/* Each trace must be a directory: a CTF trace, as replay takes. */
static int check_trace_dirs(char **traces, size_t ntraces)
{
	for (size_t t = 0; t < ntraces; t++) {
		struct stat st;

		if (stat(traces[t], &st) < 0 || !S_ISDIR(st.st_mode)) {
			fl_error("%s: not a trace directory", traces[t]);
			fprintf(stderr, "hint: give CTF trace directories, as `faultline replay` takes\n");
			return -1;
		}
	}
	return 0;
}

/* The command line of each job not done yet, into cmds[], and its job's
 * index, into pending_job[]; *npending counts the commands made so far, so
 * that the caller frees them even when this fails. */
static int pending_commands(const char *exe, const struct sweep_jobs *jobs, const char *cache,
			    char **cmds, size_t *pending_job, size_t *npending)
{
	for (size_t i = 0; i < jobs->n; i++) {
		if (jobs->v[i].done)
			continue;
		pending_job[*npending] = i;
		cmds[*npending] = malloc(CMD_MAX);
		if (!cmds[*npending])
			return -1;
		if (job_command(exe, &jobs->v[i], cache, cmds[*npending], CMD_MAX) < 0) {
			fl_error("a job's command is longer than %d bytes", CMD_MAX);
			free(cmds[*npending]);	/* the caller frees the first *npending */
			cmds[*npending] = NULL;
			return -1;
		}
		(*npending)++;
	}
	return 0;
}

/* The line saying how many jobs there are, how many will run and how. */
static void print_plan(const struct opts *o, size_t njobs, size_t npending)
{
	fprintf(stderr, "faultline sweep: %zu jobs, %zu to run, %zu done", njobs, npending,
		njobs - npending);
	if (npending && o->serial)
		fprintf(stderr, "; running one at a time\n");
	else if (npending)
		fprintf(stderr, "; running with GNU parallel%s%s\n", o->jobs ? " -j " : "",
			o->jobs ? o->jobs : "");
	else
		fprintf(stderr, "\n");
}

/* The shards of the jobs done from job first on, into shards[], returning
 * how many; names the logs of the first five jobs that failed and counts
 * them in *nfailed.  The jobs before first are merged already. */
static size_t done_shards(const struct sweep_jobs *jobs, size_t first, const char **shards,
			  size_t *nfailed)
{
	size_t ndone = 0;

	for (size_t i = first; i < jobs->n; i++) {
		if (jobs->v[i].done || fl_sweep_shard_done(jobs->v[i].shard)) {
			shards[ndone++] = jobs->v[i].shard;
		} else {
			if ((*nfailed)++ < 5)
				fprintf(stderr, "faultline sweep: a job failed: its output is in %s\n",
					jobs->v[i].log);
		}
	}
	return ndone;
}

/* The sweep's decode cache (replay --decode-cache): its files, then the
 * directory.  Best effort: what is left is only disk space. */
static void remove_cache(const char *cache)
{
	DIR *d = opendir(cache);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char p[PATH_MAX];

		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    (size_t)snprintf(p, sizeof(p), "%s/%s", cache, de->d_name) < sizeof(p))
			unlink(p);
	}
	closedir(d);
	rmdir(cache);
}

/* The last merge, of the done shards the merges along the way (struct
 * follow) did not take, and the summary of them all.  Those merges took
 * the first follow->next jobs' shards, in order: merging them again would
 * only find their runs there, a pass over every shard after the last job. */
static int merge_done(const struct opts *o, const char **shards, size_t nrest, size_t njobs,
		      struct follow *follow, struct fl_err *err)
{
	size_t done;

	if (merge_groups(&follow->merger, shards, nrest, true, &done, err) < 0) {
		fl_err_print(err, stderr);
		return -1;
	}
	printf("sweep: %zu of %zu shards merged into %s: %" PRId64 " runs added, %" PRId64
	       " already there\n", follow->next + nrest, njobs, o->out, follow->merger.stats.runs_added,
	       follow->merger.stats.runs_known);
	return 0;
}

static int sweep(struct opts *o, char **traces, size_t ntraces)
{
	struct sweep_spec spec = {
		.traces = (const char *const *)traces, .ntraces = ntraces,
		.strategies = o->strategies, .nstrategies = o->nstrategies,
		.profiles = o->profiles, .nprofiles = o->nprofiles,
		.axes = o->axes, .naxes = o->naxes,
		.seed = o->seed, .nseeds = o->nseeds,
	};
	struct sweep_jobs jobs;
	struct fl_err err = { 0 };
	struct follow follow = { .o = o, .merger = { .out = o->out } };
	char exe[PATH_MAX], list[PATH_MAX], cache[PATH_MAX];
	char **cmds = NULL;
	size_t *pending_job = NULL, *line_first = NULL;
	bool *finished = NULL;
	const char **shards = NULL;
	size_t npending = 0, ndone = 0, nfailed = 0;
	ssize_t len;
	int rc = FL_EXIT_FAIL;

	if (check_trace_dirs(traces, ntraces) < 0)
		return FL_EXIT_FAIL;
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len < 0) {
		fl_error("cannot find the faultline binary: /proc/self/exe: %s", strerror(errno));
		return FL_EXIT_FAIL;
	}
	exe[len] = '\0';
	if (mkdir_p(o->dir) < 0) {
		fl_error("%s: cannot make the shard directory: %s", o->dir, strerror(errno));
		return FL_EXIT_FAIL;
	}
	if (fl_sweep_jobs(&spec, o->dir, &jobs, &err) < 0) {
		fl_err_print(&err, stderr);
		fl_sweep_jobs_free(&jobs);
		return err.code == -EINVAL ? FL_EXIT_USAGE : FL_EXIT_FAIL;
	}
	cmds = calloc(jobs.n + 1, sizeof(*cmds));
	shards = calloc(jobs.n + 1, sizeof(*shards));
	pending_job = calloc(jobs.n + 1, sizeof(*pending_job));
	finished = calloc(jobs.n + 1, sizeof(*finished));
	line_first = calloc(jobs.n + 1, sizeof(*line_first));
	if (!cmds || !shards || !pending_job || !finished || !line_first)
		goto out;
	snprintf(cache, sizeof(cache), "%s/decoded", o->dir);
	if (pending_commands(exe, &jobs, cache, cmds, pending_job, &npending) < 0)
		goto out;
	if (o->emit == EMIT_LIST) {
		for (size_t i = 0; i < npending; i++)
			printf("%s\n", cmds[i]);
		fprintf(stderr, "faultline sweep: %zu jobs, %zu to run, %zu done\n", jobs.n, npending,
			jobs.n - npending);
		rc = FL_EXIT_OK;
		goto out;
	}
	if (o->emit == EMIT_SLURM) {
		print_slurm(o, cmds, npending);
		fprintf(stderr, "faultline sweep: %zu jobs, %zu in the array, %zu done\n", jobs.n, npending,
			jobs.n - npending);
		rc = FL_EXIT_OK;
		goto out;
	}
	print_plan(o, jobs.n, npending);
	if (npending) {
		snprintf(list, sizeof(list), "%s/jobs.txt", o->dir);
		follow.nlines = plan_lines(o->serial ? 0 : job_slots(o), npending, line_first);
		if (write_job_list(list, cmds, line_first, follow.nlines) < 0) {
			fl_error("%s: cannot write the job list: %s", list, strerror(errno));
			goto out;
		}
		follow.jobs = &jobs;
		follow.pending_job = pending_job;
		follow.line_first = line_first;
		follow.npending = npending;
		follow.finished = finished;
		if ((o->serial ? run_serial(cmds, npending) : run_parallel(o, list, &follow, shards)) < 0)
			goto out;
	}
	ndone = done_shards(&jobs, follow.next, shards, &nfailed);
	if ((follow.next || ndone) && merge_done(o, shards, ndone, jobs.n, &follow, &err) < 0)
		goto out;
	if (nfailed) {
		fl_error("%zu of %zu jobs failed", nfailed, jobs.n);
		fprintf(stderr, "hint: see the logs above; running the same sweep again runs only "
				"the jobs that are not done\n");
		goto out;
	}
	/* Every job is merged: the decoded traces are not needed again. */
	remove_cache(cache);
	rc = FL_EXIT_OK;
out:
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fl_error("cannot write the output: standard output failed");
		rc = FL_EXIT_FAIL;
	}
	for (size_t i = 0; cmds && i < npending; i++)
		free(cmds[i]);
	free(pending_job);
	free(line_first);
	free(finished);
	free(cmds);
	free(shards);
	fl_sweep_jobs_free(&jobs);
	return rc;
}

static int cmd_sweep(int argc, char **argv)
{
	char dir[PATH_MAX];
	int n, rc = 0;

	memset(&so, 0, sizeof(so));
	so.nseeds = 1;
	so.out = "sweep.db";
	n = fl_cmd_parse(&fl_cmd_sweep, argc, argv);
	if (n < 0)
		rc = FL_EXIT_USAGE;
	if (!rc && n == 0)
		rc = fl_cmd_usage_error(&fl_cmd_sweep, "no trace given");
	if (!rc && so.serial && (so.jobs || so.nsshlogin))
		rc = fl_cmd_usage_error(&fl_cmd_sweep, "--serial runs one job at a time: no -j or --sshlogin");
	if (!rc && !so.nstrategies)
		so.strategies[so.nstrategies++] = "pervma";
	if (!rc && !so.dir) {
		if ((size_t)snprintf(dir, sizeof(dir), "%s.shards", so.out) >= sizeof(dir))
			rc = fl_cmd_usage_error(&fl_cmd_sweep, "-o: name too long");
		so.dir = dir;
	}
	/* The traces are argv[1..n]. */
	if (!rc)
		rc = sweep(&so, argv + 1, (size_t)n);
	free_opts(&so);
	return rc;
}

const struct fl_cmd fl_cmd_sweep = {
	.name = "sweep",
	.summary = "replay traces x strategies x profiles x knobs x seeds on a scheduler, then merge",
	.usage = "faultline sweep [-s S,...|all] [-p P,...] [--set KEY=V1,V2,...]... [--seed N]\n"
		 "                       [--seeds N] [-j N] [--sshlogin LOGIN]... [--serial]\n"
		 "                       [--emit run|list|slurm] [-d DIR] [-o OUT.db] TRACE...",
	.help =
		"Makes the job matrix traces x strategies x profiles x knob settings x\n"
		"seeds.  Each job is one `faultline replay` into a database of its own (a\n"
		"shard, in DIR, named by the hash of the job's arguments, with the job's\n"
		"output in a .log beside it).  By default GNU parallel runs the jobs,\n"
		"locally or over ssh, and the finished shards are merged into OUT\n"
		"(`faultline merge`): `faultline report --by trace OUT` then compares the\n"
		"settings across traces.  Running the same sweep again runs only the jobs\n"
		"whose shard holds no run (a replay commits all or nothing), then merges\n"
		"again; runs already in OUT are not added twice.\n"
		"\n"
		"The jobs share a decode cache, DIR/decoded (`faultline replay\n"
		"--decode-cache`): each trace is decoded by its first job and read from\n"
		"there by the others.  It is removed once every job is done and merged.\n"
		"\n"
		"A knob applies to the strategies that have it (`faultline replay --help`\n"
		"lists the what-ifs arch, page_size and mmu, which every strategy takes):\n"
		"a strategy without it is replayed once, not once per value.  A profile\n"
		"applies to the strategies that take it; the others run their default.\n",
	.options = sweep_options,
	.help_tail =
		"exit status: 0 when every job is done and merged, 1 when a job failed (the\n"
		"others are merged; the logs of the failed ones are named) or the merge\n"
		"failed, 2 on a usage error.\n"
		"\n"
		"example:\n"
		"  faultline sweep -s all --set page_size=4096,65536 --set arch=ppc64 -j 2 \\\n"
		"      -o sweep.db traces/x86_64/*\n"
		"  faultline report --by trace sweep.db\n",
	.run = cmd_sweep,
};
