# Shared helpers for the VM tests (sourced).  $IOMMUTRACE_TOP is the project.
top=${IOMMUTRACE_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
vm=$top/tests/vm/run

# kernel_dir: the output directory of the current kernel build (built only
# if its inputs changed).
kernel_dir() { "$top/kernel/build" --print-dir; }

# tap_check TAPFILE EXPECTED: compare a kselftest TAP log with the list of
# tests expected to fail (EXPECTED: one "name  # reason" per line).  Prints
# the counts; fails on an unexpected failure, an unexpected pass, or a
# missing summary line.
tap_check() {
	local tap=$1 expected=$2 got want
	grep -q '^# Totals: ' "$tap" || {
		echo "no '# Totals' line: the selftest did not finish; its last output (and tests/vm/run's reason):"
		tail -n 60 "$tap"
		return 1
	}
	grep '^# Totals: ' "$tap"
	got=$(sed -n 's/^not ok [0-9]* \([^ ]*\).*/\1/p' "$tap" | sort)
	want=$(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$expected" | grep -v '^$' | sort)
	if [ "$got" != "$want" ]; then
		echo "failing tests differ from $expected (< expected, > got):"
		diff <(echo "$want") <(echo "$got") | grep '^[<>]'
		return 1
	fi
	echo "failures match $expected ($(echo -n "$want" | grep -c .) expected)"
}

# build_workload: build tests/workload against the current kernel's uAPI and
# print the directory holding the binaries.
build_workload() {
	local kdir out=$top/build/workload
	kdir=$(kernel_dir) || return 1
	make -s -C "$top/tests/workload" KDIR="$kdir" O="$out" >&2 || return 1
	echo "$out"
}

# selftest_check NAME [VARIANT]: run the upstream selftest NAME (iommufd,
# iommufd_fail_nth) in the plain VM twice, with every iommufd and
# intel_iommu event disabled and then enabled, and check both results
# against tests/vm/expected/NAME.fail.  VARIANT m: on the m kernel
# (iommufd.ko loaded; no VT-d, so iommufd events only).
selftest_check() {
	local name=$1 variant=${2:-y} kdir tap fail=0 mode enable systems
	kdir=$("$top/kernel/build" --print-dir --variant "$variant") || return 1
	systems="iommufd intel_iommu"
	[ "$variant" = m ] && systems=iommufd
	tap=$(mktemp)
	for mode in disabled enabled; do
		enable=0
		[ $mode = enabled ] && enable=1
		"$vm" --variant "$variant" --timeout 1500 -- sh -c "
			for s in $systems; do
				echo $enable > /sys/kernel/tracing/events/\$s/enable || exit 1
			done
			exec $kdir/selftests/$name" >"$tap" 2>&1
		echo "== $name, variant $variant, events $mode: exit status $?"
		tap_check "$tap" "$top/tests/vm/expected/$name.fail" || fail=1
	done
	rm -f "$tap"
	return $fail
}

# build_tools: build the BPF tools against the current kernel; prints the
# directory holding the binaries.
build_tools() {
	local kdir
	kdir=$(kernel_dir) || return 1
	make -s -C "$top/tools" KDIR="$kdir" OUT="$top/build" >&2 || return 1
	echo "$top/build/bin"
}
