// SPDX-License-Identifier: GPL-2.0
/*
 * insn-count.so - a QEMU TCG plugin that counts the guest instructions
 * executed on all vCPUs between two marker instructions.
 *
 * Usage: qemu-system-x86_64 ... -plugin bench/insn-count.so,out=FILE[,skip=ADDR]...
 *
 * The markers are x86 multi-byte NOPs with a magic displacement, which a
 * real CPU (or QEMU without this plugin) executes as NOPs:
 *   nopl 0x51c0de01(%rax)   start: remember every vCPU's count
 *   nopl 0x51c0de02(%rax)   stop: append "insn SEQ TOTAL VCPU0 VCPU1 ..."
 *                           SKIPPED to FILE (the instructions since the
 *                           last start, all vCPUs and per vCPU, then the
 *                           ones skipped; SEQ counts the stops)
 * tests/workload/map_bench -m executes them around its measured loop.
 *
 * Counting: a callback at the start of each translation block adds the
 * block's instruction count to the vCPU's counter (a block left early by
 * an exception or interrupt is still counted whole; rare).  All guest
 * code is counted: user space, kernel, interrupts, other processes, on
 * every vCPU; an idle vCPU (HLT) counts nothing.
 *
 * skip=ADDR (hex, a guest kernel address; bench/run gives the timer
 * interrupt's entry, asm_sysvec_apic_timer_interrupt): from the execution
 * of the block at ADDR to the next IRETQ on that vCPU, instructions are
 * counted as skipped instead.  The timer tick's cost follows the wall
 * clock (HZ ticks a second, and a loaded host stretches the guest's
 * second), not the work: without this, on a host with load 14, runs of the
 * same work differed by up to 10 %.
 *
 * Spinning is skipped too: a block with a PAUSE (cpu_relax(), in every
 * kernel spin-wait loop and glibc's) counts as skipped.  How long a vCPU
 * spins depends on when the host runs the vCPU it waits for (a lock holder,
 * an IPI's target), not on the work; with it counted, a run of the same
 * work on the loaded host counted 28 % more instructions.
 *
 * Built against QEMU's plugin API version 1 (QEMU 7.2, Debian 12); the few
 * declarations it needs are below, so no QEMU headers are required.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct {
	const char *target_name;
	struct { int min, cur; } version;
	_Bool system_emulation;
	union { struct { int smp_vcpus, max_vcpus; } system; };
} qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef void (*udata_cb_t)(unsigned int vcpu, void *udata);
typedef void (*tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, udata_cb_t cb,
					  int flags, void *udata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    udata_cb_t cb, int flags, void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define MAX_VCPUS 64
#define MARK_START 0x51c0de01u
#define MARK_STOP 0x51c0de02u

/* one counter per vCPU, each on its own cache line */
static struct { volatile uint64_t n; char pad[56]; } count[MAX_VCPUS];
static struct { volatile uint64_t n; char pad[56]; } skipped[MAX_VCPUS];
static uint64_t start[MAX_VCPUS], start_skipped[MAX_VCPUS];
static volatile int in_skip[MAX_VCPUS];
static uint64_t skip_addr[16];
static int nskip;
static int nvcpus = 1;
static unsigned long seq;
static FILE *out;

static void tb_exec(unsigned int vcpu, void *udata)
{
	if (vcpu >= MAX_VCPUS)
		return;
	if (in_skip[vcpu])
		skipped[vcpu].n += (uintptr_t)udata;
	else
		count[vcpu].n += (uintptr_t)udata;
}

static void tb_exec_spin(unsigned int vcpu, void *udata)
{
	if (vcpu < MAX_VCPUS)
		skipped[vcpu].n += (uintptr_t)udata;
}

static void skip_on(unsigned int vcpu, void *udata)
{
	(void)udata;
	if (vcpu < MAX_VCPUS)
		in_skip[vcpu] = 1;
}

static void skip_off(unsigned int vcpu, void *udata)
{
	(void)udata;
	if (vcpu < MAX_VCPUS)
		in_skip[vcpu] = 0;
}

static void mark(unsigned int vcpu, void *udata)
{
	uint64_t total = 0, sk = 0, d[MAX_VCPUS];
	int i;

	(void)vcpu;
	if ((uintptr_t)udata == MARK_START) {
		for (i = 0; i < nvcpus; i++) {
			start[i] = count[i].n;
			start_skipped[i] = skipped[i].n;
		}
		return;
	}
	for (i = 0; i < nvcpus; i++) {
		d[i] = count[i].n - start[i];
		total += d[i];
		sk += skipped[i].n - start_skipped[i];
	}
	fprintf(out, "insn %lu %llu", ++seq, (unsigned long long)total);
	for (i = 0; i < nvcpus; i++)
		fprintf(out, " %llu", (unsigned long long)d[i]);
	fprintf(out, " skipped %llu\n", (unsigned long long)sk);
	fflush(out);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	static const unsigned char nopl[3] = { 0x0f, 0x1f, 0x80 };
	size_t n = qemu_plugin_tb_n_insns(tb), i;
	int k, spin = 0;

	(void)id;
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		const unsigned char *b = qemu_plugin_insn_data(insn);

		if (qemu_plugin_insn_size(insn) == 2 && b[0] == 0xf3 && b[1] == 0x90)
			spin = 1;	/* pause */
	}
	qemu_plugin_register_vcpu_tb_exec_cb(tb, spin ? tb_exec_spin : tb_exec, 0,
					     (void *)(uintptr_t)n);
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		const unsigned char *b = qemu_plugin_insn_data(insn);
		size_t len = qemu_plugin_insn_size(insn);
		uint32_t disp;

		for (k = 0; k < nskip; k++)
			if (qemu_plugin_insn_vaddr(insn) == skip_addr[k])
				qemu_plugin_register_vcpu_insn_exec_cb(insn, skip_on, 0, NULL);
		if (nskip && len == 2 && b[0] == 0x48 && b[1] == 0xcf)	/* iretq */
			qemu_plugin_register_vcpu_insn_exec_cb(insn, skip_off, 0, NULL);

		if (len != 7 || memcmp(b, nopl, 3))
			continue;
		memcpy(&disp, b + 3, 4);
		if (disp == MARK_START || disp == MARK_STOP)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, mark, 0,
							       (void *)(uintptr_t)disp);
	}
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			int argc, char **argv)
{
	const char *path = "insn-count.out";
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
		else if (!strncmp(argv[i], "skip=", 5) && nskip < 16)
			skip_addr[nskip++] = strtoull(argv[i] + 5, NULL, 16);
	if (info->system_emulation)
		nvcpus = info->system.max_vcpus;
	if (nvcpus > MAX_VCPUS)
		nvcpus = MAX_VCPUS;
	out = fopen(path, "a");
	if (!out)
		return 1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
