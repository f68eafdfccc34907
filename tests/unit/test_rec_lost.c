/* Losses the kernel never reports in a PERF_RECORD_LOST: a ring that is
 * still full when the events are disabled.  The kernel writes a LOST record
 * only ahead of the next record that fits, so the reader sees nothing of
 * the failures after the last record that fitted; the events' own lost
 * counts (PERF_FORMAT_LOST) hold them, and rec_unreported_lost() makes the
 * difference a `lost` event. */
#define _GNU_SOURCE
#include "unit.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tracer/perf_events.h"
#include "tracer/rec_decode.h"

static struct fl_perf_ring ring;	/* 64 KiB of scratch: not on the stack */

static void counts_only_what_the_lost_records_missed(void **state)
{
	struct rec_decoder d = { 0 };
	struct rec_ev ev;

	(void)state;
	memset(&ring, 0, sizeof(ring));
	ring.cpu = 1;
	ring.last_t = 1000;
	ring.lost = 5;	/* PERF_RECORD_LOSTs read: 5 records */
	/* The kernel counted no more than the LOST records said: nothing. */
	assert_int_equal(rec_unreported_lost(&d, &ring, 5, 2000, &ev), 0);
	assert_int_equal(rec_unreported_lost(&d, &ring, 0, 2000, &ev), 0);
	assert_int_equal(ring.lost, 5);
	/* 12 counted: 7 never reported, lost after the ring's newest record. */
	assert_int_equal(rec_unreported_lost(&d, &ring, 12, 2000, &ev), 1);
	assert_int_equal(ev.type, REC_LOST);
	assert_int_equal(ev.u.lost.count, 7);
	assert_int_equal(ev.u.lost.cpu, 1);
	assert_int_equal(ev.u.lost.t_begin, 1000);
	assert_int_equal(ev.u.lost.t_end, 2000);
	assert_int_equal(ev.t, 2000);
	assert_int_equal(ev.u.lost.source, FL_UST_LOST_PERF_RING);
	assert_int_equal(ring.lost, 12);
	/* Asked again: already accounted. */
	assert_int_equal(rec_unreported_lost(&d, &ring, 12, 3000, &ev), 0);
	/* An end before the newest record (clock read early) is not a range
	 * that ends before it begins. */
	ring.last_t = 5000;
	assert_int_equal(rec_unreported_lost(&d, &ring, 13, 3000, &ev), 1);
	assert_int_equal(ev.u.lost.t_begin, 5000);
	assert_int_equal(ev.u.lost.t_end, 5000);
}

static void old_kernel_cannot_say(void **state)
{
	struct fl_pe_set set = { 0 };
	uint64_t lost[1];

	(void)state;
	set.ncpus = 1;
	set.read_lost = false;
	assert_int_equal(fl_pe_lost(&set, lost), -EOPNOTSUPP);
}

/* The real kernel: this thread's page faults sampled into a one-page ring
 * that nobody reads until the event is disabled. */
static void full_ring_at_the_end(void **state)
{
	struct perf_event_attr a;
	struct rec_decoder d = { 0 };
	struct fl_pe_set set = { 0 };
	int fd, fds[1], fd_cpus[1] = { 0 };
	uint64_t lost[1], samples = 0, lost_records = 0, count[2];
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), npages = 2000;
	const struct perf_event_header *h;
	struct rec_ev ev;
	char *p;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_PAGE_FAULTS;
	a.sample_period = 1;
	a.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			PERF_SAMPLE_CPU | PERF_SAMPLE_IP | PERF_SAMPLE_ADDR;
	a.sample_id_all = 1;
	a.read_format = PERF_FORMAT_LOST;
	a.disabled = 1;
	a.exclude_kernel = 1;	/* user-mode faults are counted all the same */
	a.exclude_hv = 1;
	a.use_clockid = 1;
	a.clockid = CLOCK_MONOTONIC;
	fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		print_message("# SKIP perf_event_open: %s (PERF_FORMAT_LOST needs Linux 6.0; "
			      "perf_event_paranoid may forbid it)\n", strerror(errno));
		skip();
	}
	memset(&ring, 0, sizeof(ring));
	assert_int_equal(fl_ring_map(&ring, fd, 0, 1), 0);
	p = mmap(NULL, npages * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(ioctl(fd, PERF_EVENT_IOC_ENABLE, 0), 0);
	for (size_t i = 0; i < npages; i++)
		p[i * pg] = 1;
	assert_int_equal(ioctl(fd, PERF_EVENT_IOC_DISABLE, 0), 0);
	munmap(p, npages * pg);

	fds[0] = fd;
	set.ncpus = 1;
	set.fds = fds;
	set.fd_cpus = fd_cpus;
	set.nfds = 1;
	set.read_lost = true;
	fl_map_init(&set.ids);	/* the samples' source is not needed here */
	d.set = &set;

	/* Drain as the recorder does: no LOST record, since nothing fitted
	 * after the ring filled. */
	fl_ring_begin(&ring);
	while ((h = fl_ring_next(&ring))) {
		if (h->type == PERF_RECORD_SAMPLE)
			samples++;
		if (rec_decode(&d, &ring, h, &ev) > 0 && ev.type == REC_LOST)
			lost_records += ev.u.lost.count;
		free(ev.str);
	}
	fl_ring_end(&ring);
	assert_int_equal(lost_records, 0);
	assert_true(samples > 0 && samples < npages);
	assert_int_equal(fl_pe_lost(&set, lost), 0);
	/* Every fault the event counted is a sample in the ring or lost. */
	assert_int_equal(read(fd, count, sizeof(count)), sizeof(count));
	assert_int_equal(count[1], lost[0]);
	assert_int_equal(samples + lost[0], count[0]);
	assert_true(lost[0] >= npages - samples - 16);

	assert_int_equal(rec_unreported_lost(&d, &ring, lost[0], ring.last_t + 1, &ev), 1);
	assert_int_equal(ev.u.lost.count, lost[0]);
	assert_int_equal(ev.u.lost.t_begin, ring.last_t);
	fl_map_free(&set.ids);
	fl_ring_unmap(&ring);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_only_what_the_lost_records_missed),
		cmocka_unit_test(old_kernel_cannot_say),
		cmocka_unit_test(full_ring_at_the_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
