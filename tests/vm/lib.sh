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
	grep -q '^# Totals: ' "$tap" || { echo "no '# Totals' line: the selftest did not finish"; return 1; }
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
