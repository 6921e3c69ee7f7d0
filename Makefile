# iommutrace - top-level targets.  See README.md.
#
#   make demo    install what is missing, build, boot the VM, run the main job
#   make check   run every test (host unit tests and VM tests)
#   make kernel  build (or reuse) the patched kernel and the iommu selftests
#   make kernel-m  the same source as the m variant: iommufd (and VFIO) as
#                modules, no Intel VT-d (kernel/build --variant m)
#   make tools   build the BPF tools (build/bin/) against that kernel's BTF
#   make vm CMD="..." [VTD=1] [VARIANT=m]  run CMD in the VM
#   make deps    install the Debian packages we need
#   make check-stock  the stock-kernel tests with the unpatched kernel too
#                (CHECK_UNPATCHED=1: one more kernel build, 13 min)
#   make bench   cost of ioastrace/iommutop (tracepoints and --source probe)/
#                perf/bpftrace on map/unmap (VM),
#                instruction count + wall clock, into docs/performance.md
#                (BENCH_QUICK=1: 4 KiB x 1, ioastrace only, ~3 min, no doc)
#   make bench-kernels  patched (tracepoints off) vs unpatched kernel (VM)
#   make bench-metrics  cost of iommutop --listen scraped every second, 1000 IOASes (VM)
#   make soak [SOAK_MINUTES=30]  IOAS churn with the tools attached: flat maps
#                and memory, exact numbers, then fail_nth (docs/soak.md)
#   make soak-short  the same, 90 s (tests/vm/t-soak-short, in make check)

SHELL := /bin/bash
VTD ?=
VARIANT ?= y
CMD ?= uname -a
SOAK_MINUTES ?= 30

.PHONY: all deps kernel kernel-m tools demo check check-stock vm bench bench-kernels bench-metrics soak soak-short

all: tools

deps:
	@scripts/install-deps

kernel: deps
	@kernel/build

kernel-m: deps
	@kernel/build --variant m

tools: kernel
	@$(MAKE) -s -C tools KDIR="$$(kernel/build --print-dir)" OUT="$(CURDIR)/build"

demo: kernel
	@tests/vm/demo

# The tests boot both variants (tests/vm/t-variant-m-*: the m one)
check: kernel kernel-m
	@tests/run

check-stock: kernel kernel-m
	@kernel/build --unpatched
	@CHECK_UNPATCHED=1 tests/run t-stock- t-ioastrace-probe t-iommutop-probe
	@VMM_KERNEL=unpatched tests/run t-vmm-ioastrace t-vmm-iommutop-late

vm: $(if $(filter m,$(VARIANT)),kernel-m,kernel)
	@tests/vm/run $(if $(VTD),--vtd) --variant $(VARIANT) -- $(CMD)

BENCH_QUICK ?=
bench: kernel
	@bench/run $(if $(BENCH_QUICK),--quick,--doc)

bench-kernels: kernel
	@bench/run --kernels $(if $(BENCH_QUICK),--quick,--doc)

bench-metrics: kernel
	@bench/metrics

soak-short: kernel
	@tests/vm/t-soak-short

soak: kernel
	@tests/vm/soak --minutes $(SOAK_MINUTES) --svg docs/soak.svg --table build/soak-table.md
