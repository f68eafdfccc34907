/* A new database (see store.h): its schema, made in a private file beside
 * the target, and published at the commit by link(), or copied into the
 * database another replay put there meanwhile. */
#include "store_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "outcomes_sql.h"

/* schemas/outcomes.sql in two parts, split at its marker line: the tables,
 * run when a database is created, and the readers' indexes, run at the end
 * of every replay's transaction (CREATE INDEX IF NOT EXISTS), so that the
 * first replay writes its rows unindexed and builds each index in one pass. */
static const char readers_indexes_marker[] = "-- @readers-indexes\n";

const char *store_readers_indexes(void)
{
	const char *m = strstr(fl_outcomes_sql, readers_indexes_marker);

	return m ? m : "";
}

/* The tally tables' statements (CREATE TABLE IF NOT EXISTS), after their
 * marker line: run before a run's tallies are written, so that a database
 * made before them gets them too. */
static const char tallies_marker[] = "-- @tallies\n";

const char *store_tally_tables(void)
{
	const char *m = strstr(fl_outcomes_sql, tallies_marker);

	return m ? m : "";
}

/* Create the tables; 1 when another process gave the (existing, empty)
 * file its schema first. */
int store_create_tables(struct fl_store *st, struct fl_err *err)
{
	size_t len = store_readers_indexes()[0] ? (size_t)(store_readers_indexes() - fl_outcomes_sql)
					   : strlen(fl_outcomes_sql);
	char *tables;
	int rc;

	tables = strndup(fl_outcomes_sql, len);
	if (!tables)
		return fl_err_set(err, -ENOMEM, "out of memory");
	/* One transaction: each statement on its own would be a commit of
	 * its own, with the file syncs of one. */
	rc = store_exec(st, "BEGIN IMMEDIATE", err, "cannot create the schema");
	if (!rc) {
		int64_t ntables = 0;

		if (store_pragma_int(st, "SELECT count(*) FROM sqlite_master", &ntables) == 0 && ntables) {
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			free(tables);
			return 1;
		}
		rc = store_exec(st, tables, err, "cannot create the schema");
		if (!rc)
			rc = store_exec(st, "COMMIT", err, "cannot create the schema");
		else
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	}
	free(tables);
	return rc;
}

/* ---- the private file of a new database --------------------------------- */

/* SIGINT, SIGTERM and SIGHUP while a new database is written in its
 * private file remove the file (and its -wal, -shm, -journal) before the
 * process dies of the signal: nothing else would.  The names are copied
 * here before the handler is armed, so that it only calls unlink(). */
static const int tmp_signals[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction tmp_old_actions[3];
static char tmp_sig_paths[4][4096];
static volatile sig_atomic_t tmp_sig_armed;
static pid_t tmp_sig_owner;
static bool tmp_sig_installed;

static void tmp_signal(int sig)
{
	/* A child (the trace's decoder) inherits the handler, not the file. */
	if (tmp_sig_armed && getpid() == tmp_sig_owner)
		for (int i = 3; i >= 0; i--)
			unlink(tmp_sig_paths[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void tmp_names(char out[4][4096], const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };

	for (int i = 0; i < 4; i++)
		snprintf(out[i], sizeof(out[i]), "%s%s", path, suffix[i]);
}

/* Arm the handlers for st's private file (one at a time: a second store
 * creating a database in the same process goes without). */
static void tmp_signals_arm(const char *tmp_path)
{
	struct sigaction sa;

	if (tmp_sig_installed || strlen(tmp_path) + 9 > sizeof(tmp_sig_paths[0]))
		return;
	tmp_names(tmp_sig_paths, tmp_path);
	tmp_sig_owner = getpid();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tmp_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < 3; i++)
		sigaddset(&sa.sa_mask, tmp_signals[i]);
	tmp_sig_armed = 1;
	for (size_t i = 0; i < 3; i++)
		sigaction(tmp_signals[i], &sa, &tmp_old_actions[i]);
	tmp_sig_installed = true;
}

static void tmp_signals_disarm(void)
{
	if (!tmp_sig_installed)
		return;
	for (size_t i = 0; i < 3; i++)
		sigaction(tmp_signals[i], &tmp_old_actions[i], NULL);
	tmp_sig_armed = 0;
	tmp_sig_installed = false;
}

/* How old a dead replay's private file must be before it is removed:
 * some slack for a process that is not ours to see (another PID
 * namespace) and for a clock stepped back. */
#define STALE_TMP_S	5

/* Whether name is DIR/.BASE.PID.XXXXXX (store_make_tmp()'s pattern) with one of
 * the suffixes: *pid and the length of the name without the suffix. */
static bool tmp_name_parse(const char *name, const char *base, pid_t *pid, size_t *stem,
			   const char **suffix)
{
	static const char *const suffixes[] = { "-wal", "-shm", "-journal" };
	size_t nb = strlen(base), i;
	long long v = 0;
	const char *p;

	if (name[0] != '.' || strncmp(name + 1, base, nb) || name[1 + nb] != '.')
		return false;
	p = name + 2 + nb;
	for (i = 0; p[i] >= '0' && p[i] <= '9' && i < 10; i++)
		v = v * 10 + (p[i] - '0');
	if (!i || p[i] != '.' || v <= 0 || v > INT32_MAX)
		return false;
	p += i + 1;
	for (i = 0; i < 6; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'z') ||
		      (p[i] >= 'A' && p[i] <= 'Z')))
			return false;
	*pid = (pid_t)v;
	*stem = (size_t)(p + 6 - name);
	*suffix = p + 6;
	if (!**suffix)
		return true;
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (!strcmp(*suffix, suffixes[i]))
			return true;
	return false;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Whether name's -wal holds a page 1 with faultline's application_id
 * among its first frames: a new database's schema is its first commit. */
static bool tmp_wal_ours(int dirfd, const char *name)
{
	char wal[4096];
	unsigned char h[32], f[24 + 72];
	uint32_t ps;
	bool ours = false;
	int fd;

	if ((size_t)snprintf(wal, sizeof(wal), "%s-wal", name) >= sizeof(wal))
		return false;
	fd = openat(dirfd, wal, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	if (pread(fd, h, sizeof(h), 0) == (ssize_t)sizeof(h) && (be32(h) & ~1u) == 0x377f0682u) {
		ps = be32(h + 8);
		for (off_t off = 32; ps >= 512 && ps <= 65536 && off < 32 + 1000 * (off_t)(24 + ps) && !ours;
		     off += 24 + ps) {
			if (pread(fd, f, sizeof(f), off) != (ssize_t)sizeof(f))
				break;
			ours = be32(f) == 1 && !memcmp(f + 24, "SQLite format 3", 16) &&
			       be32(f + 24 + 68) == FL_STORE_APP_ID;
		}
	}
	close(fd);
	return ours;
}

/* Whether the file at dirfd/name is a database faultline began: empty
 * (killed before SQLite wrote to it), SQLite's with faultline's
 * application_id, or, before the first checkpoint, SQLite's with no table
 * in the file itself and faultline's schema in its -wal. */
static bool tmp_content_ours(int dirfd, const char *name, const struct stat *sb)
{
	unsigned char h[108];
	uint32_t app, page;
	ssize_t n;
	int fd;

	if (sb->st_size == 0)
		return true;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	n = pread(fd, h, sizeof(h), 0);
	close(fd);
	if (n != (ssize_t)sizeof(h) || memcmp(h, "SQLite format 3", 16))
		return false;
	app = be32(h + 68);
	if (app == FL_STORE_APP_ID)
		return true;
	page = (uint32_t)h[16] << 8 | h[17];
	page = page == 1 ? 65536 : page;
	/* Page 1 alone, an empty table b-tree: the schema is not in the file. */
	return app == 0 && sb->st_size <= (off_t)page && h[100] == 0x0d && h[103] == 0 && h[104] == 0 &&
	       tmp_wal_ours(dirfd, name);
}

/* Remove the private files other replays into path left when they were
 * killed (SIGKILL cannot be caught).  Only what is proven stale goes: the
 * name is store_make_tmp()'s for this very path, the process in it is gone
 * (kill(pid, 0): ESRCH), the file is a regular file of this user untouched
 * for STALE_TMP_S, and it holds nothing but a database faultline began;
 * its -wal, -shm and -journal go with it. */
void store_remove_stale_tmps(const char *path)
{
	char *dcopy = strdup(path), *bcopy = strdup(path);
	time_t now = time(NULL);
	struct dirent *e;
	DIR *d = NULL;

	if (dcopy && bcopy)
		d = opendir(dirname(dcopy));
	while (d && (e = readdir(d))) {
		const char *base = basename(bcopy), *suffix;
		char side[4][4096];
		struct stat sb;
		size_t stem;
		pid_t pid;

		if (!tmp_name_parse(e->d_name, base, &pid, &stem, &suffix) || *suffix)
			continue;
		if (pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(sb.st_mode) ||
		    sb.st_uid != geteuid() || now - sb.st_mtime < STALE_TMP_S ||
		    !tmp_content_ours(dirfd(d), e->d_name, &sb))
			continue;
		tmp_names(side, e->d_name);
		for (int i = 3; i >= 0; i--) {
			struct stat ss;

			/* A side file only when it is a regular file of ours. */
			if (i && (fstatat(dirfd(d), side[i], &ss, AT_SYMLINK_NOFOLLOW) < 0 ||
				  !S_ISREG(ss.st_mode) || ss.st_uid != geteuid()))
				continue;
			unlinkat(dirfd(d), side[i], 0);
		}
	}
	if (d)
		closedir(d);
	free(dcopy);
	free(bcopy);
}

/* A private file for a new database: DIR/.NAME.PID.XXXXXX next to path
 * (the same file system, so it can be linked to path), created with
 * O_EXCL by mkstemp(), with the mode a file created by open(0666) would
 * have.  The pid lets a later replay into path tell a file left by a
 * killed replay from one another replay is writing (store_remove_stale_tmps()). */
int store_make_tmp(struct fl_store *st, struct fl_err *err)
{
	char *dcopy = strdup(st->path), *bcopy = strdup(st->path);
	size_t n;
	mode_t mask;
	int fd = -1;

	if (dcopy && bcopy) {
		const char *dir = dirname(dcopy), *base = basename(bcopy);

		n = strlen(dir) + strlen(base) + 32;
		st->tmp_path = malloc(n);
		if (st->tmp_path) {
			snprintf(st->tmp_path, n, "%s/.%s.%ld.XXXXXX", dir, base, (long)getpid());
			fd = mkstemp(st->tmp_path);
			if (fd < 0) {
				int e = errno;

				free(st->tmp_path);
				st->tmp_path = NULL;
				free(dcopy);
				free(bcopy);
				fl_err_set(err, -e, "%s: cannot create a new database in %s: %s", st->path,
					   dir[0] ? "its directory" : ".", strerror(e));
				fl_err_hint(err, "-o wants a file in a directory you can write");
				return -e;
			}
		}
	}
	free(dcopy);
	free(bcopy);
	if (fd < 0)
		return fl_err_set(err, -ENOMEM, "out of memory");
	tmp_signals_arm(st->tmp_path);
	mask = umask(022);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0) {
		/* Stays 0600: private, which is no harm. */
	}
	close(fd);
	return 0;
}

/* Remove the files of a new database that was never published: the
 * private file and its -wal and -shm, all this process's own. */
void store_remove_tmp(struct fl_store *st)
{
	char side[4096];

	if (!st->tmp_path)
		return;
	unlink(st->tmp_path);
	snprintf(side, sizeof(side), "%s-wal", st->tmp_path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", st->tmp_path);
	unlink(side);
	if (tmp_sig_installed && !strcmp(tmp_sig_paths[0], st->tmp_path))
		tmp_signals_disarm();
	free(st->tmp_path);
	st->tmp_path = NULL;
}

static int fsync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -errno;
	rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* Every table of the schema, in an order that copies a row after the
 * rows it names. */
static const char *const copied_tables[] = {
	"traces", "threads", "writers", "faults", "losses", "runs", "outcome_causes", "outcome_vmas",
	"outcome_rows", "cause_counts",
	"thread_times",
	"tally_threads", "tally_vmas", "tally_handlers", "tally_times", "tally_fidelity",
	"tally_latency", "tally_percentiles",
};

/* The statements that renumber table t's trace and run ids in src (by
 * toff and roff, through negative ids so that no row meets another's key
 * on the way) and copy its rows into main, column by column. */
static char *copy_table_sql(struct fl_store *st, const char *t, int64_t toff, int64_t roff)
{
	bool has_run, has_trace;
	char *cols = NULL, *sql;
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, "SELECT group_concat('\"' || name || '\"', ',')"
				       " FROM pragma_table_info(?1, 'src')", -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, t, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
			cols = sqlite3_mprintf("%s", sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
	}
	if (!cols)	/* no such table in src (or no memory) */
		return sqlite3_mprintf("%s", "");
	has_run = strstr(cols, "\"run_id\"") != NULL;
	has_trace = strstr(cols, "\"trace_id\"") != NULL;
	sql = sqlite3_mprintf("%z%zINSERT INTO main.\"%w\" (%s) SELECT %s FROM src.\"%w\";",
			      has_trace ? sqlite3_mprintf("UPDATE src.\"%w\" SET trace_id = -trace_id;"
							  "UPDATE src.\"%w\" SET trace_id = %lld - trace_id;",
							  t, t, (long long)toff) : NULL,
			      has_run ? sqlite3_mprintf("UPDATE src.\"%w\" SET run_id = -run_id;"
							"UPDATE src.\"%w\" SET run_id = %lld - run_id;",
							t, t, (long long)roff) : NULL,
			      t, cols, cols, t);
	sqlite3_free(cols);
	return sql;
}

/* Copy the new database (attached as src) into path's, the runs and
 * traces renumbered after path's own, in one transaction. */
static int copy_into(struct fl_store *st, struct fl_err *err)
{
	int64_t toff = 0, roff = 0, trace_id = 0;
	char *sql;
	int rc;

	rc = fl_store_begin_wait(st, FL_STORE_WAIT_S, err);
	if (rc)
		return rc;
	rc = store_exec(st, store_tally_tables(), err, "cannot add the replay");
	if (rc)
		return rc;
	if (store_pragma_int(st, "SELECT coalesce(max(trace_id), 0) FROM main.traces", &toff) < 0 ||
	    store_pragma_int(st, "SELECT coalesce(max(run_id), 0) FROM main.runs", &roff) < 0)
		return store_fail(st, err, "cannot add the replay");
	for (size_t i = 0; i < sizeof(copied_tables) / sizeof(copied_tables[0]) && !rc; i++) {
		sql = copy_table_sql(st, copied_tables[i], toff, roff);
		if (!sql)
			return fl_err_set(err, -ENOMEM, "out of memory");
		rc = store_exec(st, sql, err, "cannot add the replay");
		sqlite3_free(sql);
	}
	if (!rc)
		rc = store_exec(st, "INSERT OR IGNORE INTO main.meta SELECT * FROM src.meta", err,
			  "cannot add the replay");
	if (!rc)
		rc = store_exec(st, store_readers_indexes(), err, "cannot index the outcomes");
	/* The trace may be there already: one copy of its rows. */
	if (!rc && store_pragma_int(st, "SELECT coalesce(max(trace_id), 0) FROM main.traces", &trace_id) < 0)
		rc = store_fail(st, err, "cannot add the replay");
	if (!rc && trace_id > toff)
		rc = store_merge_same_trace(st, &trace_id, err);
	if (!rc)
		rc = store_reserve_pages(st, "main", err);
	if (!rc)
		rc = store_exec(st, "COMMIT", err, "cannot commit the replay");
	if (rc)
		return rc;
	st->in_txn = false;
	st->run_offset = roff;
	return store_checkpoint(st, "main", false, err);
}

/* Put the new database, committed and checkpointed, at path: linked
 * there only while path does not exist, so that nothing another process
 * made is replaced.  When path appeared meanwhile (another replay made
 * it), this replay's rows are copied into it instead. */
int store_publish_new(struct fl_store *st, struct fl_err *err)
{
	const char *dir;
	char *dcopy;
	int rc;

	store_close_db(st);
	rc = fsync_path(st->tmp_path, O_RDONLY);
	if (rc)
		return fl_err_set(err, rc, "%s: cannot sync the new database: %s", st->path, strerror(-rc));
	if (link(st->tmp_path, st->path) == 0) {
		rc = 0;
	} else if (errno == EEXIST) {
		rc = store_open_db(st, st->path, err);
		if (!rc) {
			sqlite3_stmt *s;

			if (sqlite3_prepare_v2(st->db, "ATTACH ?1 AS src", -1, &s, NULL) != SQLITE_OK)
				return store_fail(st, err, "cannot add the replay");
			sqlite3_bind_text(s, 1, st->tmp_path, -1, SQLITE_STATIC);
			rc = sqlite3_step(s);
			sqlite3_finalize(s);
			if (rc != SQLITE_DONE)
				return store_fail(st, err, "cannot add the replay");
			rc = copy_into(st, err);
			if (!rc)
				rc = store_exec(st, "DETACH src", err, "cannot add the replay");
		}
		if (rc)
			return rc;
		store_remove_tmp(st);
		return 0;
	} else {
		int e = errno;

		return fl_err_set(err, -e, "%s: cannot put the new database in place: %s", st->path,
				  strerror(e));
	}
	store_remove_tmp(st);
	/* The new name is durable with its directory. */
	dcopy = strdup(st->path);
	if (dcopy) {
		dir = dirname(dcopy);
		fsync_path(dir, O_RDONLY | O_DIRECTORY);
		free(dcopy);
	}
	return rc;
}
