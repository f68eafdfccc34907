/* fl_access: a page fault's access bits, decoded from its arch code.
 *
 * The recorder writes these bits into the faultline dialect's `access`
 * field (schemas/faultline-events.md fixes their values) and the replay
 * decodes the same codes from every dialect, so both share this one
 * decoding.
 */
#ifndef FL_ACCESS_H
#define FL_ACCESS_H

#include <stdint.h>

enum {
	FL_ACC_READ = 1u << 0,
	FL_ACC_WRITE = 1u << 1,
	FL_ACC_EXEC = 1u << 2,
	FL_ACC_USER = 1u << 3,
	FL_ACC_PROT = 1u << 4,	/* page present: a protection fault */
	FL_ACC_PKEY = 1u << 5,	/* protection-key fault (x86 PK, ppc64 KEYFAULT) */
	FL_ACC_RSVD = 1u << 6,	/* x86 reserved-bit violation */
};

/* ppc64 book3s64: the interrupt vectors of a page fault and the DSISR bits
 * that decide its access (arch/powerpc/include/asm/reg.h).  For an
 * instruction storage interrupt the kernel puts SRR1's matching bits in
 * regs->dsisr, so the same NOHPTE / PROTFAULT / KEYFAULT positions apply. */
#define FL_PPC_TRAP_DSI 0x300u		/* data storage interrupt */
#define FL_PPC_TRAP_ISI 0x400u		/* instruction storage interrupt */
#define FL_PPC_DSISR_NOHPTE 0x40000000u	/* no translation: not present */
#define FL_PPC_DSISR_PROTFAULT 0x08000000u	/* present, access not allowed */
#define FL_PPC_DSISR_BADACCESS 0x04000000u
#define FL_PPC_DSISR_ISSTORE 0x02000000u	/* a store: is_write */
#define FL_PPC_DSISR_DABRMATCH 0x00400000u
#define FL_PPC_DSISR_KEYFAULT 0x00200000u	/* storage key (CONFIG_PPC_MEM_KEYS) */
/* book3s64 kernel addresses start here (PAGE_OFFSET): an ip below it is
 * user mode, where the x86 error code has its USER bit. */
#define FL_PPC_KERNEL_BASE 0xc000000000000000ull

/* x86 page-fault error code (arch/x86/include/asm/trap_pf.h) to FL_ACC_*. */
uint32_t fl_x86_access(uint64_t error_code);

/* ppc64 trap (regs->trap, low 4 bits ignored), DSISR and ip to FL_ACC_*:
 * exec when the trap is 0x400, else write when DSISR has ISSTORE, else
 * read; PROT with PROTFAULT (NOHPTE, a missing translation, is the
 * not-present case); PKEY with KEYFAULT; USER when ip is a user address. */
uint32_t fl_ppc64_access(uint32_t trap, uint64_t dsisr, uint64_t ip);

#endif
