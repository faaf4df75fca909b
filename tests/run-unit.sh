#!/bin/sh
# Runs each unit test binary given as an argument, and ends with one line
# "N passed, N failed" counting the binaries. Exit status 1 if any failed.
passed=0
failed=0
for t in "$@"; do
	echo "== $t"
	if "$t"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAILED: $t"
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
