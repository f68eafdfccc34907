/* A page fault's access bits: see fl_access.h. */
#include "fl_access.h"

/* Bits of the x86 page-fault error code, as in
 * arch/x86/include/asm/trap_pf.h (X86_PF_PROT, _WRITE, _USER, _RSVD,
 * _INSTR, _PK).  A fault that is neither a write nor an instruction fetch is
 * a read. */
uint32_t fl_x86_access(uint64_t error_code)
{
	uint32_t acc = 0;

	if (error_code & (1u << 0))
		acc |= FL_ACC_PROT;
	if (error_code & (1u << 1))
		acc |= FL_ACC_WRITE;
	if (error_code & (1u << 2))
		acc |= FL_ACC_USER;
	if (error_code & (1u << 3))
		acc |= FL_ACC_RSVD;
	if (error_code & (1u << 4))
		acc |= FL_ACC_EXEC;
	if (error_code & (1u << 5))
		acc |= FL_ACC_PKEY;
	if (!(acc & (FL_ACC_WRITE | FL_ACC_EXEC)))
		acc |= FL_ACC_READ;
	return acc;
}

/* The trap's low bits are flags; an instruction storage interrupt's SRR1
 * bits sit where DSISR's do. */
uint32_t fl_ppc64_access(uint32_t trap, uint64_t dsisr, uint64_t ip)
{
	uint32_t acc = 0;

	if ((trap & ~0xfu) == FL_PPC_TRAP_ISI)
		acc |= FL_ACC_EXEC;
	else if (dsisr & FL_PPC_DSISR_ISSTORE)
		acc |= FL_ACC_WRITE;
	else
		acc |= FL_ACC_READ;
	if (dsisr & FL_PPC_DSISR_PROTFAULT)
		acc |= FL_ACC_PROT;
	if (dsisr & FL_PPC_DSISR_KEYFAULT)
		acc |= FL_ACC_PKEY;
	if (ip < FL_PPC_KERNEL_BASE)
		acc |= FL_ACC_USER;
	return acc;
}
