#!/bin/sh
# gammu-smsd's RunOnReceive in make bench: what a field technician writes to
# answer keywords with gammu-smsd, the same texts shukher's test fixture
# (tests/data/route.conf) sends. $1 is the smsdrc; gammu-smsd appends the
# inbox ids after it and passes the message in SMS_1_* (one part) or
# DECODED_1_TEXT (a joined long message).
#
# BENCH_MATCH_ONLY=1 stops after the match: bench.py times that alone as
# gammu's side of "matching".
rc=$1
text=${DECODED_1_TEXT:-$SMS_1_TEXT}
case "$text" in
[Hh][Ee][Ll][Pp]|[Hh][Ee][Ll][Pp]\ *|[Tt][Uu][Ss][Ll][Aa][Mm][Jj]*|ТУСЛАМЖ*|Тусламж*|тусламж*|1)
	reply="Тусламж: 102" ;;
[Jj][Oo][Bb]\ [Oo][Ff][Ff][Ee][Rr]*|АЖИЛ*|Ажил*|ажил*|2)
	reply="Ажлын санал" ;;
[Ss][Tt][Oo][Pp]|ЗОГС|Зогс|зогс)
	reply="Зогслоо" ;;
*)
	reply="1 Тусламж 2 Ажил 3 Мэдээлэх" ;;
esac
[ -n "$BENCH_MATCH_ONLY" ] && exit 0
exec gammu-smsd-inject -c "$rc" TEXT "$SMS_1_NUMBER" -unicode -text "$reply"
