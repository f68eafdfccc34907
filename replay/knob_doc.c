/* knob_doc: units and sources of the strategies' knobs. */
#include "knob_doc.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "fl_wrap.h"

static const struct fl_knob_doc docs[] = {
	{ "classic", "retry_cap", "0 or 1",
	  "do_user_addr_fault(): FAULT_FLAG_ALLOW_RETRY / FAULT_FLAG_TRIED; filemap_fault()'s "
	  "maybe_unlock_mmap_for_io()" },
	{ "classic", "stack_write", "0 or 1",
	  "lock_mm_and_find_vma(), the June 2023 stack-expansion rework (6.5): expand_stack() "
	  "under the write lock" },
	{ "pervma", "vma_lock_delay", "ns",
	  "vma_start_write() is not traced: when a writer's VMAs become write-locked after "
	  "it takes mmap_lock" },
	{ "spf", "spec_file", "0 or 1",
	  "SPF v11/v12 review: file-backed VMAs are spf_vma_notsup as posted; ->map_pages "
	  "(filemap_fault-compatible) VMAs could go speculative" },
	{ "spf", "pgtable_alloc", "0 or 1",
	  "SPF v12 review: pmd_none() ends the speculative walk (spf_vma_notsup) as posted" },
	{ "spf", "single_thread_shortcut", "0 or 1",
	  "SPF v12 handle_speculative_fault(): mm_users == 1 skips the speculative path" },
	{ "spf", "pte_wide", "0 or 1",
	  "SPF v12 pte_unmap_same(): compares only when sizeof(pte_t) > sizeof(long) (32-bit PAE)" },
	{ "spf", "writer_scale", "percent",
	  "what-if: writers' mmap_lock hold times scaled (the review's question of longer "
	  "writers)" },
	{ "spf", "jitter_ns", "ns",
	  "what-if: the writers' windows moved by a seeded offset (--seed, --seeds)" },
	{ "spf", "noanon_event", "0 or 1",
	  "SPF v12: the series documents spf_vma_noanon, its code traces spf_vma_notsup" },
	{ "spf", "ppc_mem_keys", "0 or 1",
	  "ppc64 CONFIG_PPC_MEM_KEYS (default y on book3s64): SPF v12's ppc64 arch patch" },
	{ "spf", "lookup_ns", "ns",
	  "time model: from the fault to the sequence check after the walk" },
	{ "spf", "ptl_ns", "ns",
	  "time model: the PTL hold at the end of a fault (pte_map_lock() to the end)" },
	{ "spf", "seq_window", "0 or 1",
	  "SPF v12 vm_write_begin()/vm_write_end(): vm_sequence is odd only while the writer "
	  "changes the VMA (1), not for its whole mmap_lock hold (0)" },
	{ "spf", "seq_block_ns", "ns",
	  "time model: the vm_write_begin() block of mmap, brk and a write-locked madvise, at "
	  "the end of the hold" },
	{ "spf", "seq_tail_ns", "ns",
	  "time model: the part of a mprotect/mremap/munmap hold after vm_write_end()" },
	{ "spf-mmseq", "spec_file", "0 or 1",
	  "mmap_seq v2 review: vma_can_speculate(); anonymous VMAs only in v2" },
	{ "spf-mmseq", "pgtable_alloc", "0 or 1",
	  "mmap_seq v2: SPF_ABORT_PUD / SPF_ABORT_PMD on a missing table" },
	{ "spf-mmseq", "single_thread_shortcut", "0 or 1",
	  "mmap_seq v2 do_user_addr_fault(): mm_users == 1 skips the speculative path (no_spf)" },
	{ "spf-mmseq", "writer_scale", "percent",
	  "what-if: writers' mmap_lock hold times scaled" },
	{ "spf-mmseq", "jitter_ns", "ns",
	  "what-if: the writers' windows moved by a seeded offset (--seed, --seeds)" },
	{ "spf-mmseq", "lookup_ns", "ns",
	  "time model: from the fault to the sequence check after the VMA copy" },
	{ "spf-mmseq", "ptl_ns", "ns",
	  "time model: the PTL hold at the end of a fault (__pte_map_lock() to the end)" },
};

/* The what-if keys of every run (replay's --set), not strategy knobs. */
static const struct {
	const char *key, *values, *meaning;
} what_if[] = {
	{ "arch", "x86_64 or ppc64", "the other arch's fault paths over the trace's layout" },
	{ "page_size", "4096 or 65536 (4k, 64k)", "the page size of the replay" },
	{ "mmu", "radix or hash", "ppc64 MMU: PMD coverage 2 or 16 MiB at 64K pages" },
	{ "zero_page", "1 or 0 (on, off)", "an anonymous read maps the zero page (1), or allocates "
	  "a page and so needs the anon_vma (0); default: the trace's, else 1" },
	{ "thp", "always, madvise or never", "which anonymous VMAs get PMD-size THPs on a fault "
	  "(madvise: MADV_HUGEPAGE ones); default: the trace's, else always" },
};

const struct fl_knob_doc *fl_knob_doc(const char *strategy, const char *key)
{
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		if (!strcmp(docs[i].strategy, strategy) && !strcmp(docs[i].key, key))
			return &docs[i];
	return NULL;
}

const char *fl_knob_unit(const char *strategy, const char *key)
{
	const struct fl_knob_doc *d = fl_knob_doc(strategy, key);

	return d ? d->unit : "?";
}

int fl_knob_known(const char *key)
{
	for (size_t i = 0; fl_strategies[i]; i++)
		for (size_t k = 0; fl_strategies[i]->knobs && fl_strategies[i]->knobs[k].key; k++)
			if (!strcmp(fl_strategies[i]->knobs[k].key, key))
				return 1;
	for (size_t i = 0; i < sizeof(what_if) / sizeof(what_if[0]); i++)
		if (!strcmp(what_if[i].key, key))
			return 1;
	return 0;
}

/* text from column indent, wrapped to fit 80 columns; prefix before it. */
void fl_doc_wrap(FILE *out, size_t indent, const char *prefix, const char *text)
{
	size_t width = 80 - indent - strlen(prefix), n;
	const char *line;
	bool first = true;

	fprintf(out, "%*s%s", (int)indent, "", prefix);
	while ((n = fl_wrap_next(&text, width, &line)) > 0) {
		if (!first)
			fprintf(out, "\n%*s", (int)indent, "");
		fprintf(out, "%.*s", (int)n, line);
		width = 80 - indent;
		first = false;
	}
	fputc('\n', out);
}

static void print_one(FILE *out, const struct fl_strategy *s)
{
	fprintf(out, "%s:\n", s->name);
	if (!s->knobs || !s->knobs[0].key) {
		fprintf(out, "  (no knobs)\n");
		return;
	}
	for (size_t k = 0; s->knobs[k].key; k++) {
		const struct fl_knob *kn = &s->knobs[k];
		const struct fl_knob_doc *d = fl_knob_doc(s->name, kn->key);

		fprintf(out, "  %-24s %s, default %" PRId64 ", %" PRId64 "..%" PRId64 "\n", kn->key,
			d ? d->unit : "?", kn->def, kn->min, kn->max);
		fl_doc_wrap(out, 27, "", kn->help ? kn->help : "");
		if (d)
			fl_doc_wrap(out, 27, "source: ", d->source);
	}
}

void fl_knobs_print(FILE *out, const struct fl_strategy *s)
{
	if (s) {
		print_one(out, s);
	} else {
		for (size_t i = 0; fl_strategies[i]; i++) {
			if (i)
				fputc('\n', out);
			print_one(out, fl_strategies[i]);
		}
	}
	fprintf(out, "\nevery strategy (what-if keys, recorded with the run):\n");
	for (size_t i = 0; i < sizeof(what_if) / sizeof(what_if[0]); i++) {
		fprintf(out, "  %-24s %s\n", what_if[i].key, what_if[i].values);
		fl_doc_wrap(out, 27, "", what_if[i].meaning);
	}
}

void fl_knobs_list_line(FILE *out, const struct fl_strategy *s)
{
	if (!s->knobs || !s->knobs[0].key) {
		fprintf(out, "(none)");
		return;
	}
	for (size_t k = 0; s->knobs[k].key; k++)
		fprintf(out, "%s%s (%s, default %" PRId64 ")", k ? ", " : "", s->knobs[k].key,
			fl_knob_unit(s->name, s->knobs[k].key), s->knobs[k].def);
}
