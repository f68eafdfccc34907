/* fl_build_id: the running program's NT_GNU_BUILD_ID (fl_build_id.h). */
#define _GNU_SOURCE	/* dl_iterate_phdr */
#include "fl_build_id.h"

#include <elf.h>
#include <link.h>
#include <string.h>

struct found {
	const unsigned char *id;
	size_t len;
};

/* The build ID note among the notes of one PT_NOTE segment.  Each note is
 * a header, its name and its descriptor, the last two padded to the
 * segment's alignment (4, or 8 for a segment of 8-aligned notes such as
 * .note.gnu.property). */
static void find_in_notes(const unsigned char *p, size_t size, size_t align, struct found *f)
{
	size_t at = 0;

	while (size - at >= sizeof(ElfW(Nhdr))) {
		ElfW(Nhdr) h;
		size_t name, desc;

		memcpy(&h, p + at, sizeof(h));
		name = (h.n_namesz + align - 1) & ~(align - 1);
		desc = (h.n_descsz + align - 1) & ~(align - 1);
		at += sizeof(h);
		if (name > size - at || desc > size - at - name)
			return;		/* a note cut short: none past it */
		if (h.n_type == NT_GNU_BUILD_ID && h.n_namesz == 4 && !memcmp(p + at, "GNU", 4) &&
		    h.n_descsz) {
			f->id = p + at + name;
			f->len = h.n_descsz;
			return;
		}
		at += name + desc;
	}
}

/* dl_iterate_phdr() gives the program first, then its libraries. */
static int program_only(struct dl_phdr_info *info, size_t size, void *data)
{
	struct found *f = data;

	(void)size;
	for (ElfW(Half) i = 0; i < info->dlpi_phnum && !f->len; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_NOTE)
			find_in_notes((const unsigned char *)(info->dlpi_addr + ph->p_vaddr),
				      ph->p_memsz, ph->p_align == 8 ? 8 : 4, f);
	}
	return 1;
}

size_t fl_build_id(const unsigned char **id)
{
	struct found f = { NULL, 0 };

	dl_iterate_phdr(program_only, &f);
	*id = f.id;
	return f.len;
}
