/* The outcome store, written (see store.h). */
#include "store.h"
#include "fl_fmt.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fl_array.h"
#include "fl_map.h"
#include "outcomes_sql.h"

/* One run's outcomes counted by (counter, reason): its cause_counts rows.
 * The strings are the strategies' static ones (struct fl_outcome). */
struct cause_tally {
	const char *counter, *reason;
	uint64_t n, fell_back;
};

/* The report's views by thread, VMA and handler, counted as the outcomes
 * are stored (the tally_* tables of schemas/outcomes.sql). */
struct thread_tally {
	int32_t tid;
	uint64_t fell_back;
};

struct vma_tally {
	uint64_t start, end;
	const char *kind;	/* static; "" not placed */
	uint64_t n, fell_back, aborts, lock_wait;
};

enum { H_UNPLACED, H_FILE_READ, H_SWAP, H_WP, H_SPURIOUS, H_FILE_SHARED, H_FILE_COW,
       H_ANON_WRITE, H_ANON_READ, H__COUNT };

struct handler_tally {
	uint64_t n, fell_back;
	int64_t lat_sum;	/* exact while it fits */
	bool lat_overflow;
	double lat_sum_d;
	int64_t lat_max;
	bool any;
};

/* Per fault of the run: what the time slices count. */
enum { FLAG_SEEN = 1, FLAG_FELL_BACK = 2, FLAG_ABORT = 4 };

struct run_tally {
	int64_t run_id;
	struct cause_tally *c;
	size_t n, cap;
	size_t last;		/* the cause of the previous outcome */
	struct thread_tally *thr;
	size_t nthr, capthr, lastthr;
	struct fl_map thr_index;	/* tid + 1 -> index + 1 */
	struct vma_tally *vma;
	size_t nvma, capvma, lastvma;
	struct fl_map vma_index;	/* hash (probed) -> index + 1 */
	struct handler_tally h[H__COUNT];
	uint8_t *flags;		/* by fault_id */
	size_t capflags;
	/* By fault_id: the outcome's index in c (before cause_counts sorts a
	 * copy of it), for the fidelity tally. */
	uint16_t *cause_of;
	size_t capcause;
	uint64_t lat_hist[64];	/* outcomes per power of two of latency */
};

/* A fault's ground truth as stored: its (gt, gt_detail), static strings. */
struct gt_class {
	const char *gt, *detail;
};

/* The bulk rows (writers, faults, outcomes) go to SQLite on a writer
 * thread, so that the decode and the model on the calling thread and
 * SQLite's inserts run side by side.  A row is its table and its values,
 * copied (texts are static strings, or in the block's own text space);
 * rows travel in blocks through a bounded ring, so memory stays the same
 * whatever the trace's length.  The thread starts with the first row and
 * is joined before anything else touches the connection (store_sync()),
 * so the connection is only ever used by one thread at a time.  Rows are
 * inserted in the order they were given; without a thread (it could not
 * be started) the calling thread inserts each block when it is full. */
enum { TAB_WRITERS, TAB_FAULTS, TAB_OUTCOMES, TAB__COUNT };
/* VAL_TEXT: a static string; VAL_BLOCK_TEXT: in the block's text space. */
enum { VAL_NULL, VAL_INT, VAL_TEXT, VAL_BLOCK_TEXT };

#define ROW_COLS	15
#define BLOCK_ROWS	256
#define BLOCK_TEXT	(BLOCK_ROWS * 48)
#define ROW_TEXT_MAX	160	/* a writer's args: 6 numbers as a JSON array */
#define NBLOCKS		8
union val {
	int64_t i;
	const char *s;
};

struct row {
	uint8_t table;
	uint8_t type[ROW_COLS];
	union val v[ROW_COLS];
};

struct block {
	size_t n, ntext;
	struct row rows[BLOCK_ROWS];
	char text[BLOCK_TEXT];
};


struct table {
	const char *name, *cols;
	int ncols;
	sqlite3_stmt *ins;
	/* What each parameter of ins is bound to: a binding lasts across
	 * sqlite3_reset(), so a value equal to the previous row's (the run
	 * or trace id, a pid, the same static string, NULL) is not bound
	 * again. */
	uint8_t bound_type[ROW_COLS];
	union val bound[ROW_COLS];
};

struct fl_store {
	sqlite3 *db;
	const char *path;	/* the database as named: what messages show */
	/* A new database is written whole in a file of its own, next to
	 * path under a name no other process uses, and linked to path only
	 * once it is committed and checkpointed (publish_new()); NULL when
	 * path existed and the replay writes into it. */
	char *tmp_path;
	int64_t run_offset;	/* added to the run ids when copied into path */
	struct table tab[TAB__COUNT];
	bool in_txn;
	bool empty;		/* no schema yet: create_tables() */
	struct run_tally *runs;	/* per run of this replay */
	size_t nruns, capruns;
	size_t last_run;
	int64_t *fault_t;	/* each fault's time, by fault_id: the time slices */
	size_t capfault_t;
	/* Each fault's ground truth, by fault_id: index + 1 in gtc (0: no
	 * faults row), for the fidelity tally. */
	uint8_t *fault_gt;
	size_t capfault_gt;
	struct gt_class gtc[255];
	size_t ngtc;
	/* The faults from loss_from on are marked 'unknown' / 'after loss'
	 * (fl_store_losses()). */
	bool loss_marked;
	int64_t loss_from;
	bool tally_oom;		/* a tally could not grow: none is written */

	/* The ring: blocks [cons, cons + filled) are given to the thread, the
	 * producer fills blocks[prod] (prod = cons + filled), which is free
	 * while filled < NBLOCKS. */
	struct block *blocks[NBLOCKS];
	size_t nblocks;			/* allocated: NBLOCKS, or 1 without a thread */
	size_t prod, cons, filled;
	pthread_t thread;
	bool running;			/* the thread is started and not joined */
	bool no_thread;			/* it could not be started: insert inline */
	bool done;			/* no more blocks: the thread ends when filled is 0 */
	bool discard;			/* abandon the rows (rollback) */
	pthread_mutex_t mu;
	pthread_cond_t cv_thread, cv_prod;
	/* The first row that could not be stored (under mu while the thread
	 * runs); once set, no more rows are inserted: the replay fails and
	 * rolls back. */
	int row_rc;
	struct fl_err row_err;
	/* The calling thread's copy, taken under mu or after the join, with
	 * its own failures (out of memory): what fl_store_error() shows. */
	int failed;
	struct fl_err fail_err;
};

static int stop_thread(struct fl_store *st, bool discard);
static int store_sync(struct fl_store *st, bool discard);

static int db_fail(struct fl_store *st, struct fl_err *err, const char *what)
{
	return fl_err_set(err, -EIO, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

static int exec(struct fl_store *st, const char *sql, struct fl_err *err, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = fl_err_set(err, -EIO, "%s: %s: %s", st->path, what,
				    msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

/* schemas/outcomes.sql in two parts, split at its marker line: the tables,
 * run when a database is created, and the readers' indexes, run at the end
 * of every replay's transaction (CREATE INDEX IF NOT EXISTS), so that the
 * first replay writes its rows unindexed and builds each index in one pass. */
static const char readers_indexes_marker[] = "-- @readers-indexes\n";

static const char *readers_indexes(void)
{
	const char *m = strstr(fl_outcomes_sql, readers_indexes_marker);

	return m ? m : "";
}

static int pragma_int(struct fl_store *st, const char *sql, int64_t *out);

/* Create the tables; 1 when another process gave the (existing, empty)
 * file its schema first. */
/* The tally tables' statements (CREATE TABLE IF NOT EXISTS), after their
 * marker line: run before a run's tallies are written, so that a database
 * made before them gets them too. */
static const char tallies_marker[] = "-- @tallies\n";

static const char *tally_tables(void)
{
	const char *m = strstr(fl_outcomes_sql, tallies_marker);

	return m ? m : "";
}

static int create_tables(struct fl_store *st, struct fl_err *err)
{
	size_t len = readers_indexes()[0] ? (size_t)(readers_indexes() - fl_outcomes_sql)
					   : strlen(fl_outcomes_sql);
	char *tables;
	int rc;

	tables = strndup(fl_outcomes_sql, len);
	if (!tables)
		return fl_err_set(err, -ENOMEM, "out of memory");
	/* One transaction: each statement on its own would be a commit of
	 * its own, with the file syncs of one. */
	rc = exec(st, "BEGIN IMMEDIATE", err, "cannot create the schema");
	if (!rc) {
		int64_t ntables = 0;

		if (pragma_int(st, "SELECT count(*) FROM sqlite_master", &ntables) == 0 && ntables) {
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			free(tables);
			return 1;
		}
		rc = exec(st, tables, err, "cannot create the schema");
		if (!rc)
			rc = exec(st, "COMMIT", err, "cannot create the schema");
		else
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	}
	free(tables);
	return rc;
}

static int pragma_int(struct fl_store *st, const char *sql, int64_t *out)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -EIO;
}

static int prepare(struct fl_store *st, sqlite3_stmt **s, const char *sql, struct fl_err *err)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK)
		return db_fail(st, err, "cannot prepare a statement");
	return 0;
}

/* A table's INSERT of one row. */
static int prepare_insert(struct fl_store *st, struct table *t, struct fl_err *err)
{
	char sql[512];
	size_t off = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s (%s) VALUES (", t->name, t->cols);

	for (int c = 0; c < t->ncols && off < sizeof(sql); c++)
		off += (size_t)snprintf(sql + off, sizeof(sql) - off, "%s?", c ? "," : "");
	if (off < sizeof(sql))
		snprintf(sql + off, sizeof(sql) - off, ")");
	memset(t->bound_type, 0xff, sizeof(t->bound_type));	/* nothing bound */
	return prepare(st, &t->ins, sql, err);
}

/* Check (or create) the schema. */
static int check_schema(struct fl_store *st, struct fl_err *err)
{
	int64_t app = 0, ver = 0, ntables = 0;

	/* Reading the header fails on a file that is not SQLite. */
	if (pragma_int(st, "PRAGMA application_id", &app) < 0 ||
	    pragma_int(st, "PRAGMA user_version", &ver) < 0 ||
	    pragma_int(st, "SELECT count(*) FROM sqlite_master", &ntables) < 0) {
		if (sqlite3_errcode(st->db) == SQLITE_CORRUPT) {
			fl_err_set(err, -EINVAL, "%s: the database is damaged (%s)", st->path,
				   sqlite3_errmsg(st->db));
			fl_err_hint(err, "nothing was added to it; give -o a new file name");
			return -EINVAL;
		}
		fl_err_set(err, -EINVAL, "%s: not an SQLite database (%s)", st->path,
			   sqlite3_errmsg(st->db));
		fl_err_hint(err, "give -o a new file name, or a database written by faultline replay");
		return -EINVAL;
	}
	if (app == 0 && ver == 0 && ntables == 0) {
		st->empty = true;
		return 0;
	}
	if (app != FL_STORE_APP_ID) {
		fl_err_set(err, -EINVAL, "%s: not a faultline database (application_id 0x%" PRIx64
			   ", %" PRId64 " tables)", st->path, (uint64_t)app, ntables);
		fl_err_hint(err, "faultline adds runs only to its own databases: give -o a new file name");
		return -EINVAL;
	}
	if (ver > FL_STORE_VERSION) {
		fl_err_set(err, -EINVAL, "%s: schema version %" PRId64 " is newer than this faultline's (%d)",
			   st->path, ver, FL_STORE_VERSION);
		fl_err_hint(err, "use the faultline that wrote it, or a newer one");
		return -EINVAL;
	}
	if (ver < FL_STORE_VERSION) {
		fl_err_set(err, -EINVAL, "%s: schema version %" PRId64 " is older than this faultline's (%d) "
			   "and cannot be upgraded", st->path, ver, FL_STORE_VERSION);
		return -EINVAL;
	}
	return 0;
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

/* Whether name is DIR/.BASE.PID.XXXXXX (make_tmp()'s pattern) with one of
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
 * name is make_tmp()'s for this very path, the process in it is gone
 * (kill(pid, 0): ESRCH), the file is a regular file of this user untouched
 * for STALE_TMP_S, and it holds nothing but a database faultline began;
 * its -wal, -shm and -journal go with it. */
static void remove_stale_tmps(const char *path)
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
 * killed replay from one another replay is writing (remove_stale_tmps()). */
static int make_tmp(struct fl_store *st, struct fl_err *err)
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
static void remove_tmp(struct fl_store *st)
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

/* Open file (path, or the private file of a new database) and check or
 * create the schema. */
static int open_db(struct fl_store *st, const char *file, struct fl_err *err)
{
	int rc;

	if (sqlite3_open_v2(file, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = fl_err_set(err, -EIO, "%s: cannot open for writing: %s", st->path,
				st->db ? sqlite3_errmsg(st->db) : "out of memory");
		return rc;
	}
	/* Short waits: a reader's or a checkpoint's locks.  A replay holding
	 * the write lock is waited for in fl_store_begin_wait(). */
	sqlite3_busy_timeout(st->db, 5000);
	rc = check_schema(st, err);
	/* WAL: readers (the TUI, a report) see the last committed runs while
	 * a replay writes.  NORMAL: a commit is atomic; only durability across
	 * a power cut waits for the next checkpoint.  The page cache stays at
	 * SQLite's default: the transaction's dirty pages spill to the WAL, so
	 * memory does not grow with the trace.
	 *
	 * A new database is switched to WAL and given its schema with
	 * synchronous OFF, in one commit: the switch alone is a rollback-
	 * journal transaction with four syncs (journal, directory, database),
	 * and the new WAL's header a sync of its own, none of which makes
	 * anything durable that matters (a private file no other process
	 * sees); the checkpoint before it is published syncs the file whole. */
	if (!rc && st->empty)
		rc = exec(st, "PRAGMA synchronous = OFF; PRAGMA journal_mode = WAL;", err,
			  "cannot set WAL mode");
	if (!rc && st->empty) {
		rc = create_tables(st, err);
		if (rc == 1) {
			st->empty = false;
			rc = check_schema(st, err);
		}
	}
	if (!rc)
		rc = exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", err,
			  "cannot set WAL mode");
	return rc;
}

int fl_store_open(const char *path, struct fl_store **out, struct fl_err *err)
{
	struct fl_store *st = calloc(1, sizeof(*st));
	struct stat sb;
	int rc;

	*out = NULL;
	if (!st)
		return fl_err_set(err, -ENOMEM, "out of memory");
	if (pthread_mutex_init(&st->mu, NULL)) {
		free(st);
		return fl_err_set(err, -ENOMEM, "out of memory");
	}
	if (pthread_cond_init(&st->cv_thread, NULL)) {
		pthread_mutex_destroy(&st->mu);
		free(st);
		return fl_err_set(err, -ENOMEM, "out of memory");
	}
	if (pthread_cond_init(&st->cv_prod, NULL)) {
		pthread_cond_destroy(&st->cv_thread);
		pthread_mutex_destroy(&st->mu);
		free(st);
		return fl_err_set(err, -ENOMEM, "out of memory");
	}
	st->tab[TAB_WRITERS] = (struct table){
		.name = "writers", .ncols = 14, .cols = "trace_id, writer_id, tid, pid, call, args, ret, t_enter, t_exit,"
			   " t_lock_start, t_lock_acquired, t_lock_released, vmas_written, call_site" };
	st->tab[TAB_FAULTS] = (struct table){
		.name = "faults", .ncols = 15, .cols = "trace_id, fault_id, t, t_end, tid, pid, cpu, address, ip, access,"
			  " arch_code, major, gt, gt_detail, gt_lock_wait" };
	st->tab[TAB_OUTCOMES] = (struct table){
		.name = "outcomes", .ncols = 13, .cols = "run_id, fault_id, path, fell_back, counter, reason, attempts, latency,"
			    " lock_wait, writer_id, vma_start, vma_end, vma_kind" };
	/* No memory statistics: with them, every allocation SQLite makes (two
	 * per row inserted) takes a global mutex; 5% of the writer thread's
	 * instructions.  A process-wide setting, taken only before SQLite
	 * initializes; later it is refused (SQLITE_MISUSE) and changes
	 * nothing. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	st->path = path;
	/* A new database is made in a private file and published whole at
	 * the commit; another replay creating the same path meanwhile is met
	 * there (publish_new()).  Deciding by stat() here is only a shortcut:
	 * nothing is ever removed or replaced on its word. */
	remove_stale_tmps(path);
	if (stat(path, &sb) == 0) {
		if (!S_ISREG(sb.st_mode)) {
			rc = fl_err_set(err, -EINVAL, "%s: not a regular file", path);
			fl_err_hint(err, "give -o a new file name, or a database written by faultline replay");
			fl_store_close(st);
			return rc;
		}
		rc = open_db(st, path, err);
	} else if (errno == ENOENT) {
		rc = make_tmp(st, err);
		if (!rc)
			rc = open_db(st, st->tmp_path, err);
		/* Test hook (tests/integration/t0335-store-killed.sh): stop
		 * once the private file has its schema, for a test to kill the
		 * replay there. */
		if (!rc && getenv("FL_TEST_STOP_AFTER_TMP"))
			raise(SIGSTOP);
	} else {
		int e = errno;

		rc = fl_err_set(err, -e, "%s: %s", path, strerror(e));
	}
	for (int t = 0; t < TAB__COUNT && !rc; t++)
		rc = prepare_insert(st, &st->tab[t], err);
	if (!rc) {
		st->blocks[0] = malloc(sizeof(*st->blocks[0]));
		if (!st->blocks[0])
			rc = fl_err_set(err, -ENOMEM, "out of memory");
		else
			st->blocks[0]->n = st->blocks[0]->ntext = 0;
		st->nblocks = 1;
	}
	if (rc) {
		fl_store_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

static void run_tally_free(struct run_tally *t)
{
	free(t->c);
	free(t->thr);
	fl_map_free(&t->thr_index);
	free(t->vma);
	fl_map_free(&t->vma_index);
	free(t->flags);
	free(t->cause_of);
}

/* Finalize the statements and close the connection (idempotent). */
static void close_db(struct fl_store *st)
{
	for (int t = 0; t < TAB__COUNT; t++) {
		sqlite3_finalize(st->tab[t].ins);
		st->tab[t].ins = NULL;
	}
	sqlite3_close(st->db);
	st->db = NULL;
}

void fl_store_close(struct fl_store *st)
{
	if (!st)
		return;
	if (st->in_txn)
		fl_store_rollback(st);
	stop_thread(st, true);
	close_db(st);
	for (size_t i = 0; i < st->nblocks; i++)
		free(st->blocks[i]);
	pthread_cond_destroy(&st->cv_prod);
	pthread_cond_destroy(&st->cv_thread);
	pthread_mutex_destroy(&st->mu);
	for (size_t i = 0; i < st->nruns; i++)
		run_tally_free(&st->runs[i]);
	free(st->runs);
	free(st->fault_t);
	free(st->fault_gt);
	/* A new database that was not published: nothing of it is left. */
	remove_tmp(st);
	free(st);
}

/* ---------------------------------------------------------------------- */
/* The bulk rows and the writer thread                                    */

static void bind_row(struct table *t, const struct row *r)
{
	for (int c = 0; c < t->ncols; c++) {
		uint8_t type = r->type[c];

		if (type == t->bound_type[c] && type != VAL_BLOCK_TEXT &&
		    (type == VAL_NULL || (type == VAL_INT ? r->v[c].i == t->bound[c].i
							  : r->v[c].s == t->bound[c].s)))
			continue;
		switch (type) {
		case VAL_INT:
			sqlite3_bind_int64(t->ins, c + 1, r->v[c].i);
			break;
		case VAL_TEXT:
		case VAL_BLOCK_TEXT:
			/* Static strings, or the block's text, which outlives
			 * the statement's step (and is bound again for the
			 * next row: never taken as unchanged). */
			sqlite3_bind_text(t->ins, c + 1, r->v[c].s, -1, SQLITE_STATIC);
			break;
		default:
			sqlite3_bind_null(t->ins, c + 1);
			break;
		}
		t->bound_type[c] = type;
		t->bound[c] = r->v[c];
	}
}

/* The message for a row that could not be stored: its table and key,
 * and SQLite's reason. */
static void row_fail(struct fl_store *st, const struct row *r, struct fl_err *err)
{
	const char *why = sqlite3_errmsg(st->db);

	if (r->table == TAB_WRITERS)
		fl_err_set(err, -EIO, "%s: cannot store writer %" PRId64 ": %s", st->path, r->v[1].i,
			   why);
	else if (r->table == TAB_FAULTS)
		fl_err_set(err, -EIO, "%s: cannot store fault %" PRId64 ": %s", st->path, r->v[1].i,
			   why);
	else
		fl_err_set(err, -EIO, "%s: cannot store the outcome of fault %" PRId64 " (run %" PRId64
			   "): %s", st->path, r->v[1].i, r->v[0].i, why);
}

/* Insert a block's rows, in order. */
static int write_block(struct fl_store *st, const struct block *b, struct fl_err *err)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct row *r = &b->rows[i];
		struct table *t = &st->tab[r->table];
		int rc;

		bind_row(t, r);
		rc = sqlite3_step(t->ins);
		if (rc != SQLITE_DONE)
			row_fail(st, r, err);
		sqlite3_reset(t->ins);
		if (rc != SQLITE_DONE)
			return -EIO;
	}
	return 0;
}

static void *writer_main(void *arg)
{
	struct fl_store *st = arg;

	pthread_mutex_lock(&st->mu);
	for (;;) {
		struct block *b;
		bool skip;
		struct fl_err err = { 0 };
		int rc = 0;

		while (!st->filled && !st->done)
			pthread_cond_wait(&st->cv_thread, &st->mu);
		if (!st->filled)
			break;
		b = st->blocks[st->cons];
		skip = st->discard || st->row_rc;
		pthread_mutex_unlock(&st->mu);
		if (!skip)
			rc = write_block(st, b, &err);
		b->n = b->ntext = 0;
		pthread_mutex_lock(&st->mu);
		if (rc < 0 && !st->row_rc) {
			st->row_rc = rc;
			st->row_err = err;
		}
		st->cons = (st->cons + 1) % st->nblocks;
		st->filled--;
		pthread_cond_signal(&st->cv_prod);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

/* Start the thread for the first row, with its blocks.  Without memory or
 * a thread, the rows are inserted by the calling thread: the same rows in
 * the same order. */
static void start_thread(struct fl_store *st)
{
	if (st->no_thread)
		return;
	while (st->nblocks < NBLOCKS) {
		struct block *b = malloc(sizeof(*b));

		if (!b)
			break;
		b->n = b->ntext = 0;
		st->blocks[st->nblocks++] = b;
	}
	if (st->nblocks < 2) {
		st->no_thread = true;
		return;
	}
	/* Set before the thread exists: pthread_create() publishes it. */
	st->prod = st->cons = st->filled = 0;
	st->done = st->discard = false;
	if (pthread_create(&st->thread, NULL, writer_main, st)) {
		st->no_thread = true;
		return;
	}
	st->running = true;
}

/* The first row error, seen by the calling thread (under mu, or with no
 * thread running). */
static int take_row_error(struct fl_store *st)
{
	if (st->row_rc && !st->failed) {
		st->failed = st->row_rc;
		st->fail_err = st->row_err;
	}
	return st->failed;
}

/* Join the thread once it has inserted (or, with discard, dropped) every
 * block given to it.  The producer's block is not touched.  Returns the
 * first error. */
static int stop_thread(struct fl_store *st, bool discard)
{
	if (st->running) {
		pthread_mutex_lock(&st->mu);
		st->done = true;
		st->discard |= discard;
		pthread_cond_signal(&st->cv_thread);
		pthread_mutex_unlock(&st->mu);
		pthread_join(st->thread, NULL);
		st->running = false;
		/* The producer's block moves to the front of the ring. */
		if (st->prod) {
			struct block *b = st->blocks[0];

			st->blocks[0] = st->blocks[st->prod];
			st->blocks[st->prod] = b;
		}
		st->prod = st->cons = st->filled = 0;
	}
	return take_row_error(st);
}

/* The producer's block is full (or the rows end): hand it over, and take
 * the next free one. */
static int publish(struct fl_store *st)
{
	struct block *b = st->blocks[st->prod];
	int rc;

	if (!b->n)
		return st->failed;
	if (!st->running) {
		/* No thread: insert here. */
		if (!st->row_rc) {
			rc = write_block(st, b, &st->row_err);
			if (rc < 0)
				st->row_rc = rc;
		}
		b->n = b->ntext = 0;
		return take_row_error(st);
	}
	pthread_mutex_lock(&st->mu);
	st->filled++;
	pthread_cond_signal(&st->cv_thread);
	while (st->filled == st->nblocks)
		pthread_cond_wait(&st->cv_prod, &st->mu);
	st->prod = (st->prod + 1) % st->nblocks;
	rc = take_row_error(st);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/* Every row given so far is in the database (or has failed; with discard,
 * is dropped): the calling thread has the connection to itself.  Returns
 * the first error (0 with discard). */
static int store_sync(struct fl_store *st, bool discard)
{
	int rc;

	if (!discard)
		publish(st);
	else
		st->blocks[st->prod]->n = st->blocks[st->prod]->ntext = 0;
	rc = stop_thread(st, discard);
	return discard ? 0 : rc;
}

/* A new row of table t in the producer's block, with room for text bytes
 * of text (*text); NULL when an earlier row failed (fl_store_error()). */
static struct row *row_new(struct fl_store *st, int table, size_t text, char **textp)
{
	struct block *b;
	struct row *r;

	if (st->failed)
		return NULL;
	if (!st->running && !st->no_thread)
		start_thread(st);
	b = st->blocks[st->prod];
	if ((b->n == BLOCK_ROWS || b->ntext + text > BLOCK_TEXT) && publish(st) < 0)
		return NULL;
	b = st->blocks[st->prod];
	r = &b->rows[b->n++];
	r->table = (uint8_t)table;
	if (textp) {
		*textp = b->text + b->ntext;
		b->ntext += text;
	}
	return r;
}

static inline void val_int(struct row *r, int c, int64_t v)
{
	r->type[c] = VAL_INT;
	r->v[c].i = v;
}

static inline void val_text(struct row *r, int c, const char *v)
{
	r->type[c] = VAL_TEXT;
	r->v[c].s = v ? v : "";
}

static inline void val_null(struct row *r, int c)
{
	r->type[c] = VAL_NULL;
}

const struct fl_err *fl_store_error(const struct fl_store *st)
{
	return &st->fail_err;
}

int fl_store_begin(struct fl_store *st, struct fl_err *err)
{
	int rc;

	/* No wait here: a replay holding the lock can hold it for minutes,
	 * and the caller says so before fl_store_begin_wait(). */
	sqlite3_busy_timeout(st->db, 0);
	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_busy_timeout(st->db, 5000);
	if (rc == SQLITE_BUSY) {
		fl_err_set(err, -EBUSY, "%s: another process is writing it", st->path);
		return -EBUSY;
	}
	if (rc != SQLITE_OK)
		return db_fail(st, err, "cannot start a transaction");
	st->in_txn = true;
	return 0;
}

int fl_store_begin_wait(struct fl_store *st, int seconds, struct fl_err *err)
{
	int rc;

	sqlite3_busy_timeout(st->db, seconds * 1000);
	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_busy_timeout(st->db, 5000);
	if (rc == SQLITE_BUSY) {
		fl_err_set(err, -EBUSY, "%s: another process held its write lock for %d s", st->path,
			   seconds);
		fl_err_hint(err, "run the replay again when the other one is done, or give -o another file");
		return -EBUSY;
	}
	if (rc != SQLITE_OK)
		return db_fail(st, err, "cannot start a transaction");
	st->in_txn = true;
	return 0;
}

/* Room in the database file for every page of the transaction, taken
 * before the commit: after it, the rows are in the WAL, and a checkpoint
 * that found the file system full would fail with the replay already
 * committed.  A failure here rolls the replay back instead.  The file
 * grows to the new page count exactly (one page a chunk); the checkpoint
 * writes into it. */
static int reserve_pages(struct fl_store *st, const char *schema, struct fl_err *err)
{
	char sql[64];
	int64_t pages = 0, page_size = 0;
	sqlite3_int64 bytes;
	int chunk, rc;

	snprintf(sql, sizeof(sql), "PRAGMA %s.page_count", schema);
	if (pragma_int(st, sql, &pages) < 0)
		return db_fail(st, err, "cannot commit the replay");
	snprintf(sql, sizeof(sql), "PRAGMA %s.page_size", schema);
	if (pragma_int(st, sql, &page_size) < 0)
		return db_fail(st, err, "cannot commit the replay");
	chunk = (int)page_size;
	bytes = pages * page_size;
	sqlite3_file_control(st->db, schema, SQLITE_FCNTL_CHUNK_SIZE, &chunk);
	rc = sqlite3_file_control(st->db, schema, SQLITE_FCNTL_SIZE_HINT, &bytes);
	if (rc != SQLITE_OK && rc != SQLITE_NOTFOUND) {
		int e = errno;

		fl_err_set(err, -ENOSPC, "%s: cannot commit the replay: no room for its %" PRId64
			   " MiB in the database file (%s)", st->path,
			   (int64_t)(bytes >> 20), e ? strerror(e) : sqlite3_errstr(rc));
		fl_err_hint(err, "free space on the database's file system, or give -o a file elsewhere");
		return -ENOSPC;
	}
	return 0;
}

/* Copy the WAL into the database file.  A new database must be whole in
 * its file before it is published (TRUNCATE: nothing else has it open);
 * an existing one is checkpointed as far as its readers allow. */
static int checkpoint(struct fl_store *st, const char *schema, bool whole, struct fl_err *err)
{
	int rc = sqlite3_wal_checkpoint_v2(st->db, schema, whole ? SQLITE_CHECKPOINT_TRUNCATE
								  : SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

	if (rc == SQLITE_OK || (rc == SQLITE_BUSY && !whole))
		return 0;
	return db_fail(st, err, "cannot checkpoint the replay into the database file");
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
	"traces", "threads", "writers", "faults", "losses", "runs", "outcomes", "cause_counts",
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

static int merge_same_trace(struct fl_store *st, int64_t *trace_id, struct fl_err *err);

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
	rc = exec(st, tally_tables(), err, "cannot add the replay");
	if (rc)
		return rc;
	if (pragma_int(st, "SELECT coalesce(max(trace_id), 0) FROM main.traces", &toff) < 0 ||
	    pragma_int(st, "SELECT coalesce(max(run_id), 0) FROM main.runs", &roff) < 0)
		return db_fail(st, err, "cannot add the replay");
	for (size_t i = 0; i < sizeof(copied_tables) / sizeof(copied_tables[0]) && !rc; i++) {
		sql = copy_table_sql(st, copied_tables[i], toff, roff);
		if (!sql)
			return fl_err_set(err, -ENOMEM, "out of memory");
		rc = exec(st, sql, err, "cannot add the replay");
		sqlite3_free(sql);
	}
	if (!rc)
		rc = exec(st, "INSERT OR IGNORE INTO main.meta SELECT * FROM src.meta", err,
			  "cannot add the replay");
	if (!rc)
		rc = exec(st, readers_indexes(), err, "cannot index the outcomes");
	/* The trace may be there already: one copy of its rows. */
	if (!rc && pragma_int(st, "SELECT coalesce(max(trace_id), 0) FROM main.traces", &trace_id) < 0)
		rc = db_fail(st, err, "cannot add the replay");
	if (!rc && trace_id > toff)
		rc = merge_same_trace(st, &trace_id, err);
	if (!rc)
		rc = reserve_pages(st, "main", err);
	if (!rc)
		rc = exec(st, "COMMIT", err, "cannot commit the replay");
	if (rc)
		return rc;
	st->in_txn = false;
	st->run_offset = roff;
	return checkpoint(st, "main", false, err);
}

/* Put the new database, committed and checkpointed, at path: linked
 * there only while path does not exist, so that nothing another process
 * made is replaced.  When path appeared meanwhile (another replay made
 * it), this replay's rows are copied into it instead. */
static int publish_new(struct fl_store *st, struct fl_err *err)
{
	const char *dir;
	char *dcopy;
	int rc;

	close_db(st);
	rc = fsync_path(st->tmp_path, O_RDONLY);
	if (rc)
		return fl_err_set(err, rc, "%s: cannot sync the new database: %s", st->path, strerror(-rc));
	if (link(st->tmp_path, st->path) == 0) {
		rc = 0;
	} else if (errno == EEXIST) {
		rc = open_db(st, st->path, err);
		if (!rc) {
			sqlite3_stmt *s;

			if (sqlite3_prepare_v2(st->db, "ATTACH ?1 AS src", -1, &s, NULL) != SQLITE_OK)
				return db_fail(st, err, "cannot add the replay");
			sqlite3_bind_text(s, 1, st->tmp_path, -1, SQLITE_STATIC);
			rc = sqlite3_step(s);
			sqlite3_finalize(s);
			if (rc != SQLITE_DONE)
				return db_fail(st, err, "cannot add the replay");
			rc = copy_into(st, err);
			if (!rc)
				rc = exec(st, "DETACH src", err, "cannot add the replay");
		}
		if (rc)
			return rc;
		remove_tmp(st);
		return 0;
	} else {
		int e = errno;

		return fl_err_set(err, -e, "%s: cannot put the new database in place: %s", st->path,
				  strerror(e));
	}
	remove_tmp(st);
	/* The new name is durable with its directory. */
	dcopy = strdup(st->path);
	if (dcopy) {
		dir = dirname(dcopy);
		fsync_path(dir, O_RDONLY | O_DIRECTORY);
		free(dcopy);
	}
	return rc;
}

static int write_percentile_tallies(struct fl_store *st, struct fl_err *err);

int fl_store_commit(struct fl_store *st, struct fl_err *err)
{
	int rc = store_sync(st, false);

	if (rc < 0) {
		*err = st->fail_err;
		return rc;
	}
	rc = exec(st, readers_indexes(), err, "cannot index the outcomes");
	/* Through the indexes just built: the runs' percentiles. */
	if (!rc && st->nruns && !st->tally_oom)
		rc = write_percentile_tallies(st, err);
	if (!rc)
		rc = reserve_pages(st, "main", err);
	if (!rc)
		rc = exec(st, "COMMIT", err, "cannot commit the replay");
	if (rc)
		return rc;
	st->in_txn = false;
	rc = checkpoint(st, "main", st->tmp_path != NULL, err);
	if (!rc && st->tmp_path)
		rc = publish_new(st, err);
	return rc;
}

int64_t fl_store_run_id(const struct fl_store *st, int64_t run_id)
{
	return run_id + st->run_offset;
}

void fl_store_rollback(struct fl_store *st)
{
	store_sync(st, true);
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_txn = false;
}

/* ---------------------------------------------------------------------- */

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

static void bind_u64(sqlite3_stmt *s, int i, uint64_t v)
{
	sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

static void utc_now(char *buf, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int fl_store_trace_begin(struct fl_store *st, const char *path, const struct fl_trace_meta *meta,
			 int64_t *trace_id, struct fl_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (store_sync(st, false) < 0) {
		*err = st->fail_err;
		return -EIO;
	}

	if (prepare(st, &s, "INSERT INTO traces (path, dialect, tracer, hostname, kernel, arch,"
			   " page_size, t_first, t_last, ctf_events, lost_events, lost_packets,"
			   " has_ground_truth, lock_windows) VALUES (?,?,?,?,?,?,?,0,0,0,0,0,0,0)", err))
		return -EIO;
	bind_text(s, 1, path);
	bind_text(s, 2, meta->dialect ? meta->dialect->name : "");
	bind_text(s, 3, meta->tracer);
	bind_text(s, 4, meta->hostname);
	bind_text(s, 5, meta->release);
	bind_text(s, 6, meta->arch);
	sqlite3_bind_int64(s, 7, meta->page_size);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "cannot add the trace");
	*trace_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int fl_store_run_begin(struct fl_store *st, int64_t trace_id, const char *strategy,
		       const char *profile, const char *knobs_json, uint64_t seed,
		       int64_t *run_id, struct fl_err *err)
{
	sqlite3_stmt *s;
	char now[32];
	int rc;

	if (store_sync(st, false) < 0) {
		*err = st->fail_err;
		return -EIO;
	}

	if (prepare(st, &s, "INSERT INTO runs (trace_id, strategy, profile, knobs, seed, tool_version,"
			   " created_at, wall_ms, cost_table, faults, fallbacks, unplaced)"
			   " VALUES (?,?,?,?,?,?,?,0,'{}',0,0,0)", err))
		return -EIO;
	utc_now(now, sizeof(now));
	sqlite3_bind_int64(s, 1, trace_id);
	bind_text(s, 2, strategy);
	bind_text(s, 3, profile);
	bind_text(s, 4, knobs_json);
	bind_u64(s, 5, seed);
	bind_text(s, 6, FL_VERSION);
	bind_text(s, 7, now);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "cannot add the run");
	*run_id = sqlite3_last_insert_rowid(st->db);
	if (fl_array_grow((void **)&st->runs, &st->capruns, st->nruns + 1, sizeof(*st->runs)) < 0)
		return fl_err_set(err, -ENOMEM, "out of memory");
	memset(&st->runs[st->nruns], 0, sizeof(st->runs[0]));
	st->runs[st->nruns++].run_id = *run_id;
	return 0;
}

static struct run_tally *run_tally(struct fl_store *st, int64_t run_id)
{
	if (st->last_run < st->nruns && st->runs[st->last_run].run_id == run_id)
		return &st->runs[st->last_run];
	for (size_t i = 0; i < st->nruns; i++) {
		if (st->runs[i].run_id == run_id) {
			st->last_run = i;
			return &st->runs[i];
		}
	}
	return NULL;
}

/* Count an outcome under its (counter, reason).  The strings are static:
 * the same pointer is the same cause, and a different pointer is compared
 * by its text. */
static int tally(struct run_tally *t, const struct fl_outcome *o)
{
	const char *counter = o->counter ? o->counter : "", *reason = o->reason ? o->reason : "";
	struct cause_tally *c = t->last < t->n ? &t->c[t->last] : NULL;
	size_t i;

	if (!c || c->counter != counter || c->reason != reason) {
		for (i = 0; i < t->n; i++)
			if (t->c[i].counter == counter && t->c[i].reason == reason)
				break;
		if (i == t->n)
			for (i = 0; i < t->n; i++)
				if (!strcmp(t->c[i].counter, counter) && !strcmp(t->c[i].reason, reason))
					break;
		if (i == t->n) {
			if (fl_array_grow((void **)&t->c, &t->cap, t->n + 1, sizeof(*t->c)) < 0)
				return -ENOMEM;
			t->c[t->n++] = (struct cause_tally){ .counter = counter, .reason = reason };
		}
		t->last = i;
		c = &t->c[i];
	}
	c->n++;
	c->fell_back += o->fell_back;
	return 0;
}

/* ---- the views' tallies ------------------------------------------------ */

static const char *const handler_names[H__COUNT] = {
	"unplaced", "file_read", "swap", "wp", "spurious", "file_shared", "file_cow",
	"anon_write", "anon_read",
};

/* handle_pte_fault()'s dispatch as the handler view tells it from the
 * stored columns (analyze/views.c, fl_view_handlers(): the same rules). */
static int handler_of(const struct fl_fault_view *v, const char *kind)
{
	uint32_t a = v->fault->access;
	bool major = v->has_end && v->major, prot = a & FL_ACC_PROT;
	bool write = !(a & FL_ACC_EXEC) && (a & FL_ACC_WRITE);	/* access 'write...' */
	bool file = !strcmp(kind, "file"), shmem = !strcmp(kind, "shmem");

	if (!kind[0])
		return H_UNPLACED;
	if (major)
		return file || shmem ? H_FILE_READ : H_SWAP;
	if (prot)
		return write ? H_WP : H_SPURIOUS;
	if (shmem)
		return H_FILE_SHARED;
	if (file)
		return write ? H_FILE_COW : H_FILE_READ;
	return write ? H_ANON_WRITE : H_ANON_READ;
}

static struct thread_tally *thread_tally(struct run_tally *t, int32_t tid)
{
	uint64_t key = (uint64_t)(uint32_t)tid + 1;
	void *idx;

	if (t->lastthr < t->nthr && t->thr[t->lastthr].tid == tid)
		return &t->thr[t->lastthr];
	idx = fl_map_get(&t->thr_index, key);
	if (!idx) {
		if (fl_array_grow((void **)&t->thr, &t->capthr, t->nthr + 1, sizeof(*t->thr)) < 0 ||
		    fl_map_put(&t->thr_index, key, (void *)(uintptr_t)(t->nthr + 1)) < 0)
			return NULL;
		t->thr[t->nthr++] = (struct thread_tally){ .tid = tid };
		idx = (void *)(uintptr_t)t->nthr;
	}
	t->lastthr = (size_t)(uintptr_t)idx - 1;
	return &t->thr[t->lastthr];
}

static struct vma_tally *vma_tally(struct run_tally *t, uint64_t start, uint64_t end,
				   const char *kind)
{
	uint64_t key = (start * 0x9E3779B97F4A7C15ull) ^ (end + 0x632BE59BD9B4E019ull) ^ (uintptr_t)kind;
	void *idx;

	if (t->lastvma < t->nvma) {
		struct vma_tally *l = &t->vma[t->lastvma];

		if (l->start == start && l->end == end && l->kind == kind)
			return l;
	}
	if (!key)
		key = 1;
	/* Open probing over the keys: a key taken by another VMA moves on. */
	while ((idx = fl_map_get(&t->vma_index, key))) {
		struct vma_tally *x = &t->vma[(uintptr_t)idx - 1];

		if (x->start == start && x->end == end && !strcmp(x->kind, kind)) {
			t->lastvma = (uintptr_t)idx - 1;
			return x;
		}
		key = key + 1 ? key + 1 : 1;
	}
	if (fl_array_grow((void **)&t->vma, &t->capvma, t->nvma + 1, sizeof(*t->vma)) < 0 ||
	    fl_map_put(&t->vma_index, key, (void *)(uintptr_t)(t->nvma + 1)) < 0)
		return NULL;
	t->vma[t->nvma] = (struct vma_tally){ .start = start, .end = end, .kind = kind };
	t->lastvma = t->nvma;
	return &t->vma[t->nvma++];
}

/* The latency histogram's bucket of the HTML report (analyze/html.c): the
 * halvings of the latency, as read back from its int64 column, until it
 * is below 2. */
static int latency_bucket(uint64_t lat)
{
	return lat < 2 ? 0 : 63 - __builtin_clzll(lat);
}

/* Count one outcome in its run's views.  False without memory. */
static bool tally_views(struct fl_store *st, struct run_tally *t, const struct fl_fault_view *v,
			const struct fl_outcome *o, bool placed, const char *kind)
{
	struct thread_tally *th = thread_tally(t, v->tid);
	struct vma_tally *vt = vma_tally(t, placed ? v->vma.start : 0, placed ? v->vma.end : 0, kind);
	struct handler_tally *h = &t->h[handler_of(v, kind)];
	int64_t lat = (int64_t)o->latency;

	if (!th || !vt)
		return false;
	th->fell_back += o->fell_back;
	vt->n++;
	vt->fell_back += o->fell_back;
	vt->aborts += o->writer != NULL;
	vt->lock_wait += o->lock_wait;
	h->n++;
	h->fell_back += o->fell_back;
	if (!h->lat_overflow && __builtin_add_overflow(h->lat_sum, lat, &h->lat_sum))
		h->lat_overflow = true;
	h->lat_sum_d += (double)lat;
	if (!h->any || lat > h->lat_max)
		h->lat_max = lat;
	h->any = true;
	if (v->fault_id >= t->capflags) {
		size_t cap = t->capflags;

		if (fl_array_grow((void **)&t->flags, &cap, v->fault_id + 1, 1) < 0)
			return false;
		memset(t->flags + t->capflags, 0, cap - t->capflags);
		t->capflags = cap;
	}
	t->flags[v->fault_id] = FLAG_SEEN | (o->fell_back ? FLAG_FELL_BACK : 0) |
				(o->writer ? FLAG_ABORT : 0);
	/* The cause counted last by tally(): this outcome's. */
	if (t->last > UINT16_MAX)
		return false;
	if (v->fault_id >= t->capcause &&
	    fl_array_grow((void **)&t->cause_of, &t->capcause, v->fault_id + 1,
			  sizeof(*t->cause_of)) < 0)
		return false;
	t->cause_of[v->fault_id] = (uint16_t)t->last;
	t->lat_hist[latency_bucket(o->latency)]++;
	(void)st;
	return true;
}

/* Write a run's thread, VMA and handler tallies. */
static int write_view_tallies(struct fl_store *st, struct run_tally *t, struct fl_err *err)
{
	sqlite3_stmt *s;
	int rc = SQLITE_DONE;

	if (prepare(st, &s, "INSERT INTO tally_threads (run_id, tid, fell_back) VALUES (?,?,?)", err))
		return -EIO;
	for (size_t i = 0; i < t->nthr && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int64(s, 1, t->run_id);
		sqlite3_bind_int(s, 2, t->thr[i].tid);
		sqlite3_bind_int64(s, 3, (int64_t)t->thr[i].fell_back);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "cannot store the run's tallies");
	if (prepare(st, &s, "INSERT INTO tally_vmas (run_id, vma_start, vma_end, vma_kind, faults,"
			   " fell_back, aborts, lock_wait) VALUES (?,?,?,?,?,?,?,?)", err))
		return -EIO;
	for (size_t i = 0; i < t->nvma && rc == SQLITE_DONE; i++) {
		const struct vma_tally *x = &t->vma[i];

		sqlite3_bind_int64(s, 1, t->run_id);
		if (x->kind[0]) {
			sqlite3_bind_int64(s, 2, (int64_t)x->start);
			sqlite3_bind_int64(s, 3, (int64_t)x->end);
		} else {
			sqlite3_bind_null(s, 2);
			sqlite3_bind_null(s, 3);
		}
		sqlite3_bind_text(s, 4, x->kind, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, (int64_t)x->n);
		sqlite3_bind_int64(s, 6, (int64_t)x->fell_back);
		sqlite3_bind_int64(s, 7, (int64_t)x->aborts);
		sqlite3_bind_int64(s, 8, (int64_t)x->lock_wait);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "cannot store the run's tallies");
	if (prepare(st, &s, "INSERT INTO tally_handlers (run_id, handler, faults, fell_back,"
			   " latency_sum, latency_max) VALUES (?,?,?,?,?,?)", err))
		return -EIO;
	for (int i = 0; i < H__COUNT && rc == SQLITE_DONE; i++) {
		const struct handler_tally *h = &t->h[i];

		if (!h->n)
			continue;
		sqlite3_bind_int64(s, 1, t->run_id);
		sqlite3_bind_text(s, 2, handler_names[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, (int64_t)h->n);
		sqlite3_bind_int64(s, 4, (int64_t)h->fell_back);
		if (h->lat_overflow)
			sqlite3_bind_double(s, 5, h->lat_sum_d);
		else
			sqlite3_bind_int64(s, 5, h->lat_sum);
		sqlite3_bind_int64(s, 6, h->lat_max);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "cannot store the run's tallies");
	if (prepare(st, &s, "INSERT INTO tally_latency (run_id, bucket, n) VALUES (?,?,?)", err))
		return -EIO;
	for (int i = 0; i < 64 && rc == SQLITE_DONE; i++) {
		if (!t->lat_hist[i])
			continue;
		sqlite3_bind_int64(s, 1, t->run_id);
		sqlite3_bind_int(s, 2, i);
		sqlite3_bind_int64(s, 3, (int64_t)t->lat_hist[i]);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "cannot store the run's tallies");
	return 0;
}

/* Write every run's fidelity tally (tally_fidelity): each fault of the
 * trace by the run's outcome for it and by its ground truth as the faults
 * rows end up, with the marks fl_store_losses() and fl_store_trace_end()
 * put on them: 'unknown' for every fault of a trace without ground truth,
 * else 'unknown' / 'after loss' from the first loss on. */
static int write_fidelity_tallies(struct fl_store *st, bool has_ground_truth, struct fl_err *err)
{
	size_t ng = st->ngtc + 2, g_after_loss = st->ngtc, g_no_gt = st->ngtc + 1;
	sqlite3_stmt *s;
	int rc = SQLITE_DONE;

	if (prepare(st, &s, "INSERT INTO tally_fidelity (run_id, outcome, counter, reason, fell_back,"
			   " gt, gt_detail, n) VALUES (?,?,?,?,?,?,?,?)", err))
		return -EIO;
	for (size_t r = 0; r < st->nruns && rc == SQLITE_DONE; r++) {
		struct run_tally *t = &st->runs[r];
		size_t nc = t->n + 1;	/* the last: no outcome */
		uint64_t *cnt = calloc(nc * 2 * ng, sizeof(*cnt));

		if (!cnt) {
			sqlite3_finalize(s);
			return fl_err_set(err, -ENOMEM, "out of memory");
		}
		for (size_t id = 0; id < st->capfault_gt; id++) {
			bool seen, fb;
			size_t g, c;

			if (!st->fault_gt[id])
				continue;
			if (!has_ground_truth)
				g = g_no_gt;
			else if (st->loss_marked && id < st->capfault_t && st->fault_t[id] >= st->loss_from)
				g = g_after_loss;
			else
				g = st->fault_gt[id] - 1u;
			seen = id < t->capflags && (t->flags[id] & FLAG_SEEN) && id < t->capcause;
			fb = seen && (t->flags[id] & FLAG_FELL_BACK);
			c = seen ? t->cause_of[id] : nc - 1;
			cnt[(c * 2 + fb) * ng + g]++;
		}
		for (size_t i = 0; i < nc * 2 * ng && rc == SQLITE_DONE; i++) {
			size_t g = i % ng, fb = (i / ng) % 2, c = i / ng / 2;
			const char *gt = g == g_after_loss || g == g_no_gt ? "unknown" : st->gtc[g].gt;
			const char *detail = g == g_after_loss ? "after loss" : g == g_no_gt ? ""
					     : st->gtc[g].detail;

			if (!cnt[i])
				continue;
			sqlite3_bind_int64(s, 1, t->run_id);
			sqlite3_bind_int(s, 2, c < nc - 1);
			sqlite3_bind_text(s, 3, c < nc - 1 ? t->c[c].counter : "", -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 4, c < nc - 1 ? t->c[c].reason : "", -1, SQLITE_STATIC);
			sqlite3_bind_int(s, 5, (int)fb);
			sqlite3_bind_text(s, 6, gt, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 7, detail, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 8, (int64_t)cnt[i]);
			rc = sqlite3_step(s);
			sqlite3_reset(s);
		}
		free(cnt);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "cannot store the run's tallies");
	return 0;
}

/* The time slice of a fault at t, computed as the time view's SQL does
 * (analyze/views.c, fl_view_time()): the same doubles, so the same slice. */
static int64_t time_bucket(int64_t t, int64_t t0, uint64_t width, int buckets)
{
	int64_t d;
	double num, x;

	if (__builtin_sub_overflow(t, t0, &d))
		num = (double)t - (double)t0;
	else
		num = (double)d;
	x = num * 1.0 * buckets / (((double)t0 + (double)width) - (double)t0);
	if (x != x)
		return 0;
	if (x >= 9.2e18)
		return buckets - 1;
	if (x <= -9.2e18)
		return 0;
	d = (int64_t)x;
	return d < 0 ? 0 : d > buckets - 1 ? buckets - 1 : d;
}

/* Write every run's time slices, now that the trace's span is known. */
/* The value at 0-based rank k of n ordered values of run_id, walked from
 * the nearer end of the index (the report's own walk, done once here,
 * while the run's pages are in the cache). */
static int pct_value(struct fl_store *st, int64_t run_id, bool lock_wait, int64_t n, int64_t k,
		     int64_t *out, struct fl_err *err)
{
	static const char *const sql[2][2] = {
		{ "SELECT latency FROM outcomes WHERE run_id = ?1 ORDER BY latency LIMIT 1 OFFSET ?2",
		  "SELECT latency FROM outcomes WHERE run_id = ?1 ORDER BY latency DESC LIMIT 1"
		  " OFFSET ?2" },
		/* Waits of 0 are not in outcomes_lock_wait: a rank below its
		 * entries is a 0. */
		{ NULL, "SELECT lock_wait FROM outcomes WHERE run_id = ?1 AND lock_wait > 0"
			" ORDER BY lock_wait DESC LIMIT 1 OFFSET ?2" },
	};
	bool top = lock_wait || k >= n / 2;
	sqlite3_stmt *s;
	int rc;

	*out = 0;
	if (prepare(st, &s, sql[lock_wait][top], err))
		return -EIO;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int64(s, 2, top ? n - 1 - k : k);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, err, "cannot store the run's percentiles");
	return 0;
}

/* tally_percentiles: p50, p90, p99 and max of each run's latency and lock
 * wait, so that the default report does not walk millions of index
 * entries per run. */
static int write_percentile_tallies(struct fl_store *st, struct fl_err *err)
{
	static const unsigned pct[] = { 50, 90, 99, 100 };
	sqlite3_stmt *s;
	int rc = SQLITE_DONE;

	if (prepare(st, &s, "INSERT OR REPLACE INTO tally_percentiles (run_id, metric, p, value)"
			   " VALUES (?,?,?,?)", err))
		return -EIO;
	for (size_t r = 0; r < st->nruns && rc == SQLITE_DONE; r++) {
		int64_t n = 0, v;

		for (size_t id = 0; id < st->runs[r].capflags; id++)
			n += !!(st->runs[r].flags[id] & FLAG_SEEN);
		for (int m = 0; m < 2 && n > 0 && rc == SQLITE_DONE; m++) {
			for (size_t i = 0; i < 4 && rc == SQLITE_DONE; i++) {
				uint64_t k1 = fl_nearest_rank((uint64_t)n, pct[i]);

				if (pct_value(st, st->runs[r].run_id, m == 1, n,
					      k1 < 1 ? 0 : (int64_t)k1 - 1, &v, err) < 0) {
					sqlite3_finalize(s);
					return -EIO;
				}
				sqlite3_bind_int64(s, 1, st->runs[r].run_id);
				sqlite3_bind_text(s, 2, m ? "lock wait" : "latency", -1, SQLITE_STATIC);
				sqlite3_bind_int(s, 3, (int)pct[i]);
				sqlite3_bind_int64(s, 4, v);
				rc = sqlite3_step(s);
				sqlite3_reset(s);
			}
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "cannot store the run's percentiles");
	return 0;
}

static int write_time_tallies(struct fl_store *st, uint64_t t_first, uint64_t t_last,
			      struct fl_err *err)
{
	static const int nbuckets[] = { 20, 60 };
	int64_t t0 = (int64_t)t_first, t1 = (int64_t)t_last;
	uint64_t width = t1 > t0 ? (uint64_t)t1 - (uint64_t)t0 : 1;
	sqlite3_stmt *s;
	int rc = SQLITE_DONE;

	if (prepare(st, &s, "INSERT INTO tally_times (run_id, buckets, bucket, faults, fell_back,"
			   " aborts) VALUES (?,?,?,?,?,?)", err))
		return -EIO;
	for (size_t r = 0; r < st->nruns && rc == SQLITE_DONE; r++) {
		struct run_tally *t = &st->runs[r];

		for (size_t k = 0; k < 2 && rc == SQLITE_DONE; k++) {
			uint64_t n[60] = { 0 }, fb[60] = { 0 }, ab[60] = { 0 };
			int b = nbuckets[k];

			for (size_t id = 0; id < t->capflags; id++) {
				int64_t x;

				if (!(t->flags[id] & FLAG_SEEN))
					continue;
				x = time_bucket(id < st->capfault_t ? st->fault_t[id] : 0, t0, width, b);
				n[x]++;
				fb[x] += !!(t->flags[id] & FLAG_FELL_BACK);
				ab[x] += !!(t->flags[id] & FLAG_ABORT);
			}
			for (int i = 0; i < b && rc == SQLITE_DONE; i++) {
				if (!n[i])
					continue;
				sqlite3_bind_int64(s, 1, t->run_id);
				sqlite3_bind_int(s, 2, b);
				sqlite3_bind_int(s, 3, i);
				sqlite3_bind_int64(s, 4, (int64_t)n[i]);
				sqlite3_bind_int64(s, 5, (int64_t)fb[i]);
				sqlite3_bind_int64(s, 6, (int64_t)ab[i]);
				rc = sqlite3_step(s);
				sqlite3_reset(s);
			}
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "cannot store the run's tallies");
	return 0;
}

static int cmp_cause(const void *a, const void *b)
{
	const struct cause_tally *x = a, *y = b;
	int d = strcmp(x->counter, y->counter);

	return d ? d : strcmp(x->reason, y->reason);
}

int fl_store_writer(struct fl_store *st, int64_t trace_id, const struct fl_writer *w)
{
	char *args;
	struct row *r = row_new(st, TAB_WRITERS, ROW_TEXT_MAX, &args);
	size_t off = 0, cap = ROW_TEXT_MAX;

	if (!r)
		return -EIO;
	off += (size_t)snprintf(args + off, cap - off, "[");
	if (w->traced)
		for (int i = 0; i < 6 && off < cap; i++)
			off += (size_t)snprintf(args + off, cap - off, "%s%" PRIu64, i ? "," : "",
						w->call.args[i]);
	if (off < cap)
		snprintf(args + off, cap - off, "]");
	val_int(r, 0, trace_id);
	val_int(r, 1, (int64_t)w->id);
	val_int(r, 2, w->tid);
	val_int(r, 3, w->pid);
	val_text(r, 4, w->traced ? fl_mm_kind_name(w->call.kind) : "untraced");
	val_text(r, 5, args);
	r->type[5] = VAL_BLOCK_TEXT;
	if (w->traced && w->call.has_exit)
		val_int(r, 6, w->call.ret);
	else
		val_null(r, 6);
	if (w->traced && w->call.has_enter)
		val_int(r, 7, (int64_t)w->call.t_enter);
	else
		val_null(r, 7);
	if (w->traced && w->call.has_exit)
		val_int(r, 8, (int64_t)w->call.t_exit);
	else
		val_null(r, 8);
	if (w->has_lock)
		val_int(r, 9, (int64_t)w->t_lock_start);
	else
		val_null(r, 9);
	if (w->has_lock && w->t_lock_acquired)
		val_int(r, 10, (int64_t)w->t_lock_acquired);
	else
		val_null(r, 10);
	if (w->has_lock && w->t_lock_released)
		val_int(r, 11, (int64_t)w->t_lock_released);
	else
		val_null(r, 11);
	val_int(r, 12, w->vmas_written);
	if (w->traced && w->call.call_site)
		val_int(r, 13, (int64_t)w->call.call_site);
	else
		val_null(r, 13);
	return 0;
}

static const char *access_text(uint32_t a)
{
	static const char *const names[] = { "read", "write", "exec", "read,prot", "write,prot",
					     "exec,prot" };
	int k = (a & FL_ACC_EXEC) ? 2 : (a & FL_ACC_WRITE) ? 1 : 0;

	return names[k + ((a & FL_ACC_PROT) ? 3 : 0)];
}

/* Note the fault's ground truth for the fidelity tally.  False without
 * memory, or with more (gt, gt_detail) pairs than it counts. */
static bool gt_classify(struct fl_store *st, uint64_t fault_id, const char *gt, const char *detail)
{
	size_t i;

	detail = detail ? detail : "";
	for (i = 0; i < st->ngtc; i++)
		if (st->gtc[i].gt == gt && st->gtc[i].detail == detail)
			break;
	if (i == st->ngtc)
		for (i = 0; i < st->ngtc; i++)
			if (!strcmp(st->gtc[i].gt, gt) && !strcmp(st->gtc[i].detail, detail))
				break;
	if (i == st->ngtc) {
		if (st->ngtc == sizeof(st->gtc) / sizeof(st->gtc[0]))
			return false;
		st->gtc[st->ngtc++] = (struct gt_class){ gt, detail };
	}
	if (fault_id >= st->capfault_gt) {
		size_t cap = st->capfault_gt;

		if (fl_array_grow((void **)&st->fault_gt, &cap, fault_id + 1, 1) < 0)
			return false;
		memset(st->fault_gt + st->capfault_gt, 0, cap - st->capfault_gt);
		st->capfault_gt = cap;
	}
	st->fault_gt[fault_id] = (uint8_t)(i + 1);
	return true;
}

int fl_store_fault(struct fl_store *st, int64_t trace_id, const struct fl_fault_view *v,
		   const struct fl_gt_result *gt)
{
	struct row *r = row_new(st, TAB_FAULTS, 0, NULL);

	if (!r)
		return -EIO;
	if (!st->tally_oom && v->fault_id >= st->capfault_t &&
	    fl_array_grow((void **)&st->fault_t, &st->capfault_t, v->fault_id + 1,
			  sizeof(*st->fault_t)) < 0)
		st->tally_oom = true;
	if (!st->tally_oom)
		st->fault_t[v->fault_id] = (int64_t)v->t;
	if (!st->tally_oom && !gt_classify(st, v->fault_id, fl_gt_name(gt->gt), gt->detail))
		st->tally_oom = true;
	val_int(r, 0, trace_id);
	val_int(r, 1, (int64_t)v->fault_id);
	val_int(r, 2, (int64_t)v->t);
	if (v->has_end)
		val_int(r, 3, (int64_t)v->t_end);
	else
		val_null(r, 3);
	val_int(r, 4, v->tid);
	val_int(r, 5, v->pid);
	val_int(r, 6, v->cpu);
	val_int(r, 7, (int64_t)v->fault->address);
	val_int(r, 8, (int64_t)v->fault->ip);
	val_text(r, 9, access_text(v->fault->access));
	val_int(r, 10, (int64_t)v->fault->arch_code);
	if (v->has_end)
		val_int(r, 11, v->major);
	else
		val_null(r, 11);
	val_text(r, 12, fl_gt_name(gt->gt));
	val_text(r, 13, gt->detail);
	if (gt->gt == FL_GT_FALLBACK)
		val_int(r, 14, (int64_t)gt->lock_wait);
	else
		val_null(r, 14);
	return 0;
}

int fl_store_outcome(struct fl_store *st, int64_t run_id, const struct fl_fault_view *v,
		     const struct fl_outcome *o)
{
	struct run_tally *t = run_tally(st, run_id);
	bool placed = v->place == FL_PLACE_VMA || v->place == FL_PLACE_INFERRED ||
		      (v->place == FL_PLACE_STACK && v->vma.end);
	struct row *r;

	if (st->failed)
		return st->failed;
	if (t && tally(t, o) < 0) {
		st->failed = fl_err_set(&st->fail_err, -ENOMEM, "out of memory");
		return st->failed;
	}
	/* Without memory for the views' tallies the replay goes on: the
	 * report reads the outcomes instead. */
	if (t && !st->tally_oom &&
	    !tally_views(st, t, v, o, placed, placed ? fl_vma_kind_name(v->vma.kind) : ""))
		st->tally_oom = true;
	r = row_new(st, TAB_OUTCOMES, 0, NULL);
	if (!r)
		return -EIO;
	val_int(r, 0, run_id);
	val_int(r, 1, (int64_t)v->fault_id);
	val_text(r, 2, fl_path_name(o->path));
	val_int(r, 3, o->fell_back);
	val_text(r, 4, o->counter);
	val_text(r, 5, o->reason);
	val_int(r, 6, (int)o->attempts);
	val_int(r, 7, (int64_t)o->latency);
	val_int(r, 8, (int64_t)o->lock_wait);
	if (o->writer)
		val_int(r, 9, (int64_t)o->writer->id);
	else
		val_null(r, 9);
	if (placed) {
		val_int(r, 10, (int64_t)v->vma.start);
		val_int(r, 11, (int64_t)v->vma.end);
	} else {
		val_null(r, 10);
		val_null(r, 11);
	}
	val_text(r, 12, placed ? fl_vma_kind_name(v->vma.kind) : "");
	return 0;
}

int fl_store_losses(struct fl_store *st, int64_t trace_id, const struct fl_store_loss *v, size_t n,
		    uint64_t t_first, uint64_t *marked, struct fl_err *err)
{
	uint64_t ring = 0, first = UINT64_MAX;
	sqlite3_stmt *s;
	int rc;

	if (!n)
		return 0;
	if (store_sync(st, false) < 0) {
		*err = st->fail_err;
		return -EIO;
	}
	if (prepare(st, &s, "INSERT INTO losses (trace_id, loss_id, what, stream, cpu, count, t_begin,"
			   " t_end) VALUES (?,?,?,?,?,?,?,?)", err))
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		const struct fl_lost *l = &v[i].l;
		/* A loss that does not say when it began may be anywhere
		 * before its end: from the start, to be safe. */
		uint64_t from = l->t_begin ? l->t_begin : t_first;

		if (from < first)
			first = from;
		if (l->ring)
			ring += l->count;
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, trace_id);
		sqlite3_bind_int64(s, 2, (int64_t)i + 1);
		bind_text(s, 3, l->inferred ? "perf records (inferred)" : l->ring ? "perf records"
				: l->packets ? "packets" : "events");
		bind_u64(s, 4, l->stream_id);
		sqlite3_bind_int(s, 5, v[i].cpu);
		bind_u64(s, 6, l->count);
		if (l->t_begin)
			bind_u64(s, 7, l->t_begin);
		else
			sqlite3_bind_null(s, 7);
		if (l->t_end)
			bind_u64(s, 8, l->t_end);
		else
			sqlite3_bind_null(s, 8);
		if (sqlite3_step(s) != SQLITE_DONE) {
			sqlite3_finalize(s);
			return db_fail(st, err, "cannot store the trace's losses");
		}
	}
	sqlite3_finalize(s);
	if (prepare(st, &s, "UPDATE traces SET lost_records = ?1, t_first_loss = ?2 WHERE trace_id = ?3",
		    err))
		return -EIO;
	bind_u64(s, 1, ring);
	bind_u64(s, 2, first);
	sqlite3_bind_int64(s, 3, trace_id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "cannot store the trace's losses");
	/* After a loss the trace may lack a munmap, a lock event, a fault's
	 * end: neither the model's layout nor the ground truth is sure. */
	if (prepare(st, &s, "UPDATE faults SET gt = 'unknown', gt_detail = 'after loss',"
			   " gt_lock_wait = NULL WHERE trace_id = ?1 AND t >= ?2", err))
		return -EIO;
	sqlite3_bind_int64(s, 1, trace_id);
	bind_u64(s, 2, first);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "cannot mark the faults after a loss");
	*marked = (uint64_t)sqlite3_changes(st->db);
	st->loss_marked = true;
	st->loss_from = (int64_t)first;
	return 0;
}

int fl_store_thread(struct fl_store *st, int64_t trace_id, const struct fl_engine_thread *t)
{
	sqlite3_stmt *s;
	int rc;

	if (store_sync(st, false) < 0)
		return -EIO;
	if (sqlite3_prepare_v2(st->db, "INSERT INTO threads (trace_id, tid, pid, comm, faults,"
				       " gt_fallbacks, mm_calls) VALUES (?,?,?,?,?,?,?)", -1, &s, NULL) !=
	    SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, trace_id);
	sqlite3_bind_int(s, 2, t->tid);
	sqlite3_bind_int(s, 3, t->pid);
	bind_text(s, 4, t->comm);
	bind_u64(s, 5, t->faults);
	bind_u64(s, 6, t->gt_fallbacks);
	bind_u64(s, 7, t->mm_calls);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

int fl_store_thread_time(struct fl_store *st, int64_t run_id, const struct fl_delay_thread *t)
{
	sqlite3_stmt *s;
	int rc;

	if (store_sync(st, false) < 0)
		return -EIO;
	if (sqlite3_prepare_v2(st->db, "INSERT INTO thread_times (run_id, tid, pid, faults,"
				       " blocked_traced, blocked_pred, wasted, run_traced, run_pred)"
				       " VALUES (?,?,?,?,?,?,?,?,?)", -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int(s, 2, t->tid);
	sqlite3_bind_int(s, 3, t->pid);
	bind_u64(s, 4, t->faults);
	bind_u64(s, 5, t->blocked_traced);
	bind_u64(s, 6, t->blocked_pred);
	bind_u64(s, 7, t->wasted);
	bind_u64(s, 8, fl_delay_run_traced(t));
	bind_u64(s, 9, fl_delay_run_pred(t));
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

int fl_store_run_end(struct fl_store *st, int64_t run_id, const struct fl_engine_run *run,
		     uint64_t wall_ms, struct fl_err *err)
{
	sqlite3_stmt *s;
	struct run_tally *t;
	struct cause_tally *sorted;
	char cost[512];
	size_t off = 0;
	int rc;

	if (store_sync(st, false) < 0) {
		*err = st->fail_err;
		return -EIO;
	}
	off += (size_t)snprintf(cost, sizeof(cost), "{");
	for (int h = 0; h < FL_H__COUNT && off < sizeof(cost); h++)
		off += (size_t)snprintf(cost + off, sizeof(cost) - off, "%s\"%s\":%" PRIu64,
					h ? "," : "", fl_handler_name((enum fl_handler)h),
					run->cfg.cost[h]);
	if (off < sizeof(cost))
		snprintf(cost + off, sizeof(cost) - off, "}");
	if (prepare(st, &s, "UPDATE runs SET wall_ms = ?, cost_table = ?, faults = ?, fallbacks = ?,"
			   " unplaced = ? WHERE run_id = ?", err))
		return -EIO;
	bind_u64(s, 1, wall_ms);
	bind_text(s, 2, cost);
	bind_u64(s, 3, run->faults);
	bind_u64(s, 4, run->fallbacks);
	bind_u64(s, 5, run->unplaced);
	sqlite3_bind_int64(s, 6, run_id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "cannot complete the run");
	/* cause_counts from the outcomes counted as they were stored, in the
	 * order an INSERT .. SELECT .. GROUP BY counter, reason gives (BINARY
	 * collation: strcmp for these NUL-free strings). */
	t = run_tally(st, run_id);
	if (!t)
		return fl_err_set(err, -EINVAL, "%s: run %" PRId64 " was not begun", st->path, run_id);
	/* A sorted copy: the outcomes' indexes in t->c (cause_of) stay true. */
	sorted = malloc((t->n ? t->n : 1) * sizeof(*sorted));
	if (!sorted)
		return fl_err_set(err, -ENOMEM, "out of memory");
	if (t->n) {	/* qsort(NULL, 0) is undefined */
		memcpy(sorted, t->c, t->n * sizeof(*sorted));
		qsort(sorted, t->n, sizeof(*sorted), cmp_cause);
	}
	if (prepare(st, &s, "INSERT INTO cause_counts (run_id, counter, reason, n, fell_back)"
			   " VALUES (?,?,?,?,?)", err)) {
		free(sorted);
		return -EIO;
	}
	rc = SQLITE_DONE;
	for (size_t i = 0; i < t->n && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int64(s, 1, run_id);
		sqlite3_bind_text(s, 2, sorted[i].counter, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, sorted[i].reason, -1, SQLITE_STATIC);
		bind_u64(s, 4, sorted[i].n);
		bind_u64(s, 5, sorted[i].fell_back);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	free(sorted);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "cannot count the causes");
	if (st->tally_oom)
		return 0;
	rc = exec(st, tally_tables(), err, "cannot store the run's tallies");
	return rc ? rc : write_view_tallies(st, t, err);
}

int fl_store_trace_end(struct fl_store *st, int64_t *trace_id, const struct fl_ingest_result *res,
		       bool has_ground_truth, bool lock_windows, struct fl_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (store_sync(st, false) < 0) {
		*err = st->fail_err;
		return -EIO;
	}

	/* The kernel and host as the trace finally says them: a faultline
	 * trace names them in its header event, after the row was added. */
	if (prepare(st, &s, "UPDATE traces SET t_first = ?, t_last = ?, ctf_events = ?,"
			   " lost_events = ? + lost_records,"
			   " lost_packets = ?, has_ground_truth = ?, lock_windows = ?,"
			   " kernel = coalesce(nullif(?9, ''), kernel),"
			   " hostname = coalesce(nullif(?10, ''), hostname) WHERE trace_id = ?8",
		    err))
		return -EIO;
	bind_text(s, 9, res->meta.release);
	bind_text(s, 10, res->meta.hostname);
	bind_u64(s, 1, res->t_first);
	bind_u64(s, 2, res->t_last);
	bind_u64(s, 3, res->events);
	bind_u64(s, 4, res->discarded_events);
	bind_u64(s, 5, res->discarded_packets);
	sqlite3_bind_int(s, 6, has_ground_truth);
	sqlite3_bind_int(s, 7, lock_windows);
	sqlite3_bind_int64(s, 8, *trace_id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "cannot complete the trace");
	if (!st->tally_oom && st->nruns &&
	    (write_time_tallies(st, res->t_first, res->t_last, err) < 0 ||
	     write_fidelity_tallies(st, has_ground_truth, err) < 0))
		return -EIO;
	if (!has_ground_truth &&
	    (prepare(st, &s, "UPDATE faults SET gt = 'unknown', gt_detail = '', gt_lock_wait = NULL"
			    " WHERE trace_id = ?", err) ||
	     (sqlite3_bind_int64(s, 1, *trace_id), rc = sqlite3_step(s), sqlite3_finalize(s),
	      rc != SQLITE_DONE)))
		return db_fail(st, err, "cannot mark the ground truth unknown");

	return merge_same_trace(st, trace_id, err);
}

/* The same trace replayed before: keep one copy of its rows. */
static int merge_same_trace(struct fl_store *st, int64_t *trace_id, struct fl_err *err)
{
	static const char *const drop[] = {
		"DELETE FROM threads WHERE trace_id = ?2",
		"DELETE FROM writers WHERE trace_id = ?2",
		"DELETE FROM faults WHERE trace_id = ?2",
		"DELETE FROM losses WHERE trace_id = ?2",
		"UPDATE runs SET trace_id = ?1 WHERE trace_id = ?2",
		"DELETE FROM traces WHERE trace_id = ?2",
	};
	sqlite3_stmt *s;
	int64_t older = 0;
	int rc;

	if (prepare(st, &s, "SELECT o.trace_id FROM traces o, traces n WHERE n.trace_id = ?1"
			   " AND o.trace_id != n.trace_id AND o.path = n.path AND o.dialect = n.dialect"
			   " AND o.ctf_events = n.ctf_events AND o.t_first = n.t_first"
			   " AND o.t_last = n.t_last AND o.has_ground_truth = n.has_ground_truth"
			   " AND (SELECT count(*) FROM faults f WHERE f.trace_id = o.trace_id) ="
			   " (SELECT count(*) FROM faults f WHERE f.trace_id = n.trace_id)"
			   " ORDER BY o.trace_id LIMIT 1", err))
		return -EIO;
	sqlite3_bind_int64(s, 1, *trace_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		older = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (!older)
		return 0;
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
		if (prepare(st, &s, drop[i], err))
			return -EIO;
		sqlite3_bind_int64(s, 1, older);
		sqlite3_bind_int64(s, 2, *trace_id);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE)
			return db_fail(st, err, "cannot merge with the earlier copy of the trace");
	}
	*trace_id = older;
	return 0;
}

/* ---- live replays: a run written again at each batch ------------------- */

int fl_store_run_rewrite(struct fl_store *st, int64_t run_id, struct fl_err *err)
{
	static const char *const drop[] = {
		"DELETE FROM cause_counts WHERE run_id = ?",
		"DELETE FROM tally_threads WHERE run_id = ?",
		"DELETE FROM tally_vmas WHERE run_id = ?",
		"DELETE FROM tally_handlers WHERE run_id = ?",
		"DELETE FROM tally_times WHERE run_id = ?",
		"DELETE FROM tally_fidelity WHERE run_id = ?",
		"DELETE FROM tally_latency WHERE run_id = ?",
		"DELETE FROM tally_percentiles WHERE run_id = ?",
	};
	sqlite3_stmt *s;
	int rc;

	if (store_sync(st, false) < 0) {
		*err = st->fail_err;
		return -EIO;
	}
	if (exec(st, tally_tables(), err, "cannot store the run's tallies"))
		return -EIO;
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
		if (prepare(st, &s, drop[i], err))
			return -EIO;
		sqlite3_bind_int64(s, 1, run_id);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE)
			return db_fail(st, err, "cannot write the run's totals again");
	}
	return 0;
}

int fl_store_run_state(struct fl_store *st, int64_t run_id, const char *state, struct fl_err *err)
{
	sqlite3_stmt *s;
	char key[64];
	int rc;

	if (store_sync(st, false) < 0) {
		*err = st->fail_err;
		return -EIO;
	}
	snprintf(key, sizeof(key), "run_state:%" PRId64, run_id);
	if (prepare(st, &s, state ? "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)"
				  : "DELETE FROM meta WHERE key = ?1", err))
		return -EIO;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	if (state)
		sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "cannot mark the run");
	return 0;
}
