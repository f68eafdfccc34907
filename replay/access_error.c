/* access_error: see access_error.h.  replay/README-strategies.md
 * ("access_error()") names the kernel source of each rule. */
#include "access_error.h"

#include "fl_event.h"

/* arch/x86/mm/fault.c access_error(): a write needs VM_WRITE; a read of a
 * present page is a protection error (NX, PROT_NONE); a read of a missing
 * page needs the VMA to be accessible at all. */
static bool x86_access_error(const struct fl_vma *v, uint32_t acc)
{
	if (acc & FL_ACC_PKEY)
		return true;
	if (acc & FL_ACC_WRITE)
		return !(v->flags & FL_VM_WRITE);
	if (acc & FL_ACC_PROT)
		return true;
	return !(v->flags & FL_VM_ACCESS_FLAGS);
}

/* arch/powerpc/mm/fault.c access_error() (book3s64, CPU_FTR_NOEXECUTE):
 * an instruction fetch needs VM_EXEC; a write needs VM_WRITE; a read fails
 * only on a PROT_NONE VMA (!vma_is_accessible()) or, on radix, an
 * execute-only one ("powerpc/mm: Fix false detection of read faults").  A
 * read with DSISR_PROTFAULT is not an error by itself: radix marks NUMA
 * hinting PTEs pte_protnone(), which handle_mm_fault() resolves.  A key
 * fault is refused first (access_pkey_error()). */
static bool ppc64_access_error(bool radix, const struct fl_vma *v, uint32_t acc)
{
	uint64_t access = v->flags & FL_VM_ACCESS_FLAGS;

	if (acc & FL_ACC_PKEY)
		return true;
	if (acc & FL_ACC_EXEC)
		return !(v->flags & FL_VM_EXEC);
	if (acc & FL_ACC_WRITE)
		return !(v->flags & FL_VM_WRITE);
	if (!access)
		return true;
	return radix && access == FL_VM_EXEC;
}

bool fl_access_error(enum fl_mm_arch arch, bool radix, const struct fl_vma *v, uint32_t acc)
{
	if (arch == FL_MM_ARCH_PPC64)
		return ppc64_access_error(radix, v, acc);
	return x86_access_error(v, acc);
}
