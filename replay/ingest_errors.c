/* libbabeltrace2's failures told as faultline's one-line messages
 * (see ingest_errors.h). */
#include "ingest_errors.h"

#include <babeltrace2/babeltrace.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void ingest_capture_begin(struct log_capture *c)
{
	struct stat st;

	fflush(stderr);
	c->tmp = NULL;
	c->saved = -1;
	/* In the decoding child stderr is already a file (ingest_child.c):
	 * capture in it, so that an abort inside the source leaves its
	 * assertion where the parent reads the reason. */
	c->inplace = fstat(STDERR_FILENO, &st) == 0 && S_ISREG(st.st_mode)
			     ? lseek(STDERR_FILENO, 0, SEEK_END) : -1;
	if (c->inplace >= 0)
		return;
	c->tmp = tmpfile();
	c->saved = c->tmp ? dup(STDERR_FILENO) : -1;
	if (c->saved >= 0)
		dup2(fileno(c->tmp), STDERR_FILENO);
}

/* How telling a captured log line is: the metadata decoder's and the
 * stream indexer's own words beat the generic lines around them. */
static int line_rank(const char *line)
{
	if (strstr(line, "/META"))
		return 3;
	if (strstr(line, "Invalid packet") || strstr(line, "/DS "))
		return 2;
	return 1;
}

/* Restore stderr; copy the most telling captured line into detail.
 * *metadata is set when that line came from the metadata decoder. */
void ingest_capture_end(struct log_capture *c, char *detail, size_t len, bool *metadata)
{
	char line[1024];
	int best = 0;

	detail[0] = '\0';
	*metadata = false;
	fflush(stderr);
	if (c->inplace >= 0) {
		int fd = dup(STDERR_FILENO);

		c->tmp = fd >= 0 ? fdopen(fd, "r") : NULL;
		if (c->tmp && fseeko(c->tmp, c->inplace, SEEK_SET) < 0) {
			fclose(c->tmp);
			c->tmp = NULL;
		}
		if (!c->tmp && fd >= 0)
			close(fd);
	} else if (c->saved >= 0) {
		dup2(c->saved, STDERR_FILENO);
		close(c->saved);
		rewind(c->tmp);
	} else {
		if (c->tmp)
			fclose(c->tmp);
		return;
	}
	while (c->tmp && fgets(line, sizeof(line), c->tmp)) {
		/* "<date> <time> <pid> <tid> <L> PLUGIN/... func@file.c:N [comp] msg" */
		char *p = strstr(line, " PLUGIN/");
		int rank = line_rank(line);

		if (rank <= best || !p || !(p = strchr(p + 1, ' ')) || !(p = strchr(p + 1, ' ')))
			continue;
		p++;
		if (*p == '[' && strchr(p, ']'))
			p = strchr(p, ']') + 2;
		p[strcspn(p, "\n")] = '\0';
		/* Drop the decoder's object address: noise to a user. */
		if (strstr(p, ": mdec-addr="))
			*strstr(p, ": mdec-addr=") = '\0';
		snprintf(detail, len, "%s", p);
		best = rank;
		*metadata = rank == 3;
	}
	if (c->tmp)
		fclose(c->tmp);
	if (c->inplace >= 0) {
		/* What the source logged stays out of the output, as before. */
		if (ftruncate(STDERR_FILENO, c->inplace) == 0)
			lseek(STDERR_FILENO, c->inplace, SEEK_SET);
	}
}

/* The indexer's words for a stream file that ends inside a packet. */
bool ingest_truncated(const char *detail)
{
	return strstr(detail, "Invalid packet size") || strstr(detail, "returned EOF");
}

/* Turn the libbabeltrace2 error of this thread into our one-line message.
 * Here the first cause is the root, the most specific ("Failed to index
 * CTF stream file 'X'"); `detail`, when given, is better still. */
int ingest_bt_error(struct fl_err *err, const char *path, const char *what,
		    const char *log_detail)
{
	const bt_error *e = bt_current_thread_take_error();
	char detail[700] = "";

	if (e) {
		uint64_t n = bt_error_get_cause_count(e);
		if (getenv("FL_DEBUG_BT"))
			for (uint64_t i = 0; i < n; i++)
				fprintf(stderr, "bt cause %" PRIu64 ": %s\n", i,
					bt_error_cause_get_message(bt_error_borrow_cause_by_index(e, i)));
		if (n)
			snprintf(detail, sizeof(detail), "%s",
				 bt_error_cause_get_message(bt_error_borrow_cause_by_index(e, 0)));
		bt_error_release(e);
	}
	if (log_detail && log_detail[0] && strcmp(log_detail, detail) != 0) {
		if (detail[0])
			fl_err_set(err, -EPROTO, "%s: %s: %s (%s)", path, what, log_detail, detail);
		else
			fl_err_set(err, -EPROTO, "%s: %s: %s", path, what, log_detail);
	} else {
		fl_err_set(err, -EPROTO, "%s: %s%s%s", path, what, detail[0] ? ": " : "", detail);
	}
	return err->code;
}
