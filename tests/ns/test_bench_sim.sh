#!/usr/bin/env bash
# Tests of bench/sim (the 64-core simulation, docs/simulation.md). A script at the ns level
# because it runs the built program as a black box (its options, its output, its files, and
# bench/run), which a cmocka unit test linked with libvsx alone cannot; it needs no root and
# no namespaces.
#   - the command line: --help, bad input exits 2 with a message;
#   - determinism: one seed gives byte-identical output and data files, another seed differs;
#   - the last line's format, also through `bench/run sim`;
#   - the invariant: on a light workload every interval has an unpinned core below the
#     threshold, vsx+rb collides nowhere, and rss does collide there (so the check can fail);
#     on a heavy one vsx+rb does collide (no core qualifies) but never in a checked interval;
#   - --rss-cpus free (the NIC's table on the cores without a VM): nobody collides;
#   - the rebalancers are wired: rss++ and vsx+rb move, and flows follow;
#   - the picture, when gnuplot is installed.
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh
O=${O:-build/test}
SIM=$O/bench/sim
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
LAST_RE='^sim: collisions_vsx=([0-9]+) collisions_rss=([0-9]+) spread_vsx=([0-9]+\.[0-9]{2}) spread_rss=([0-9]+\.[0-9]{2}) prio_gain=([0-9]+\.[0-9]{2}|na)$'
SHORT=(--intervals 200 --no-plot)

need_sim() { [ -x "$SIM" ] || t_skip "$SIM not built (make O=$O tests)"; }

test_cli() {
	local h o bad
	need_sim
	h=$("$SIM" --help)
	for w in --seed --cores --vms --intervals --threshold --free-cores --prio-vms --decision-load \
		--load --stack-us --hit-ns --miss-ns --handoff-us --gap-hz --rb-hold --rb-margin \
		--rb-max-moves --rb-balance --rss-cpus --sched --out --no-plot "sim: collisions_vsx=A"; do
		grep -q -- "$w" <<<"$h" || t_fail "--help does not mention $w"
	done
	for bad in "--cores 1" "--cores x" "--cores 257" "--vms 0" "--intervals 5" "--threshold 101" \
		"--free-cores 64" "--cores 8 --free-cores 8" "--prio-vms 201" "--load 0" "--load nan" \
		"--stack-us -1" "--seed -1" "--seed 1x" "--hit-ns 200" "--frobnicate" "--seed" "extra" \
		"--load 100 --intervals 100000" "--sched some" "--rss-cpus"; do
		# shellcheck disable=SC2086
		o=$("$SIM" $bad --no-plot --out "$TMP/bad" 2>&1) && t_fail "bench/sim $bad exited 0"
		[ $? -eq 2 ] || t_fail "bench/sim $bad: exit status not 2"
		grep -q "^bench/sim: " <<<"$o" || t_fail "bench/sim $bad: no message ($o)"
	done
}

test_deterministic() {
	need_sim
	"$SIM" "${SHORT[@]}" --seed 7 --out "$TMP/a" >"$TMP/a.out"
	"$SIM" "${SHORT[@]}" --seed 7 --out "$TMP/b" >"$TMP/b.out"
	"$SIM" "${SHORT[@]}" --seed 8 --out "$TMP/c" >"$TMP/c.out"
	cmp "$TMP/a.out" "$TMP/b.out" || t_fail "same seed, different output"
	for f in spread.dat load-rss.dat load-vsx-rb.dat sim.gp; do
		cmp "$TMP/a/$f" "$TMP/b/$f" || t_fail "same seed, different $f"
	done
	! cmp -s "$TMP/a.out" "$TMP/c.out" || t_fail "seeds 7 and 8 gave the same output"
	! cmp -s "$TMP/a/spread.dat" "$TMP/c/spread.dat" || t_fail "seeds 7 and 8 gave the same spread.dat"
}

test_last_line() {
	local o
	need_sim
	o=$("$SIM" "${SHORT[@]}" --out "$TMP/l")
	[[ $(tail -n 1 <<<"$o") =~ $LAST_RE ]] || t_fail "last line: $(tail -n 1 <<<"$o")"
	o=$("$SIM" "${SHORT[@]}" --prio-vms 0 --out "$TMP/l")
	[[ $(tail -n 1 <<<"$o") =~ $LAST_RE ]] || t_fail "last line without priority VMs"
	[ "${BASH_REMATCH[5]}" = na ] || t_fail "prio_gain without priority VMs: ${BASH_REMATCH[5]}"
	# through bench/run, as `make bench` runs it
	o=$(O=$O bench/run sim -- "${SHORT[@]}" --out "$TMP/r")
	tail -n 1 <<<"$o" | grep -q "^1 ran, 0 failed, 0 skipped$" || t_fail "bench/run sim: $(tail -n 1 <<<"$o")"
	[[ $(tail -n 2 <<<"$o" | head -n 1) =~ $LAST_RE ]] || t_fail "bench/run sim's result line"
}

# "check: N of M intervals ..." and the table row of a policy
checked_of() { sed -n 's/^check: \([0-9]*\) of \([0-9]*\) intervals.*/\1 \2/p' "$1"; }
# column_of FILE POLICY NAME: the value in the first table's column NAME for POLICY
column_of() {
	awk -v p="$2" -v name="$3" '$1 == "policy" && $2 == "cores" { for (i = 1; i <= NF; i++) if ($i == name) col = i; next }
		col && $1 == p { print $col; exit }' "$1"
}
collide_of() { column_of "$1" "$2" collide; }

test_invariant_light() {
	local n m
	need_sim
	"$SIM" --load 0.3 --intervals 300 --no-plot --out "$TMP/i" >"$TMP/light.out"
	read -r n m < <(checked_of "$TMP/light.out")
	if [ -z "$n" ] || [ "$n" -ne "$m" ]; then t_fail "light load: only $n of $m intervals checked"; fi
	[[ $(tail -n 1 "$TMP/light.out") =~ $LAST_RE ]] || t_fail "last line"
	[ "${BASH_REMATCH[1]}" -eq 0 ] || t_fail "vsx+rb collided where a core qualified: ${BASH_REMATCH[1]}"
	[ "${BASH_REMATCH[2]}" -gt 0 ] || t_fail "rss did not collide: the check could not fail"
	[ "$(collide_of "$TMP/light.out" vsx)" -eq 0 ] || t_fail "vsx collided at light load"
}

test_invariant_heavy() {
	local n m all
	need_sim
	"$SIM" --load 3 --intervals 300 --no-plot --out "$TMP/h" >"$TMP/heavy.out"
	read -r n m < <(checked_of "$TMP/heavy.out")
	[ "$n" -lt "$m" ] || t_fail "heavy load: every interval had a qualifying core ($n of $m)"
	all=$(collide_of "$TMP/heavy.out" vsx+rb)
	[ "$all" -gt 0 ] || t_fail "heavy load: vsx+rb never fell back to the receiving core"
	[[ $(tail -n 1 "$TMP/heavy.out") =~ $LAST_RE ]] || t_fail "last line"
	[ "${BASH_REMATCH[1]}" -eq 0 ] || t_fail "vsx+rb collided in a checked interval: ${BASH_REMATCH[1]}"
}

test_rss_free() {
	need_sim
	"$SIM" "${SHORT[@]}" --rss-cpus free --out "$TMP/f" >"$TMP/free.out"
	grep -q "^NIC: RSS hash into a 128-entry table over the cores without a VM (16)" "$TMP/free.out" ||
		t_fail "--rss-cpus free: header"
	for p in rss rss++ vsx vsx+rb; do
		[ "$(collide_of "$TMP/free.out" "$p")" -eq 0 ] || t_fail "--rss-cpus free: $p collided"
	done
	[[ $(tail -n 1 "$TMP/free.out") =~ $LAST_RE ]] || t_fail "--rss-cpus free: last line"
	[ "${BASH_REMATCH[2]}" -eq 0 ] || t_fail "--rss-cpus free: collisions_rss not 0"
	o=$("$SIM" --rss-cpus some --no-plot --out "$TMP/f" 2>&1) && t_fail "--rss-cpus some exited 0"
	grep -q "^bench/sim: --rss-cpus: expected 'all' or 'free'" <<<"$o" || t_fail "--rss-cpus some: $o"
}

test_rebalancers_act() {
	need_sim
	"$SIM" "${SHORT[@]}" --out "$TMP/m" >"$TMP/moves.out"
	for p in rss vsx; do
		[ "$(column_of "$TMP/moves.out" "$p" moves)" -eq 0 ] || t_fail "$p moved something"
	done
	for p in rss++ vsx+rb; do
		[ "$(column_of "$TMP/moves.out" "$p" moves)" -gt 0 ] || t_fail "$p moved nothing"
		[ "$(column_of "$TMP/moves.out" "$p" f_moved)" -gt 0 ] || t_fail "$p moved no flow"
	done
	grep -q "^vsx+rb moves by reason: overload [0-9]" "$TMP/moves.out" || t_fail "no overload moves"
}

test_picture() {
	need_sim
	command -v gnuplot >/dev/null || t_skip "gnuplot not installed (scripts/install-deps)"
	"$SIM" --intervals 100 --out "$TMP/p" >"$TMP/p.out"
	[ -s "$TMP/p/sim.png" ] || t_fail "no sim.png"
	[ "$(head -c 4 "$TMP/p/sim.png" | od -An -tx1 | tr -d ' ')" = 89504e47 ] || t_fail "sim.png is not a PNG"
	grep -q "^picture: $TMP/p/sim.png$" "$TMP/p.out" || t_fail "picture line missing"
}

t_run "bench/sim: --help and bad options" test_cli
t_run "bench/sim: same seed same output, another seed another" test_deterministic
t_run "bench/sim: last line format, also through bench/run" test_last_line
t_run "bench/sim: light load: vsx never collides, rss does" test_invariant_light
t_run "bench/sim: heavy load: vsx falls back only where no core qualifies" test_invariant_heavy
t_run "bench/sim: --rss-cpus free: the NIC's table on the free cores, nobody collides" test_rss_free
t_run "bench/sim: rss++ and vsx+rb move buckets, rules and flows; rss and vsx do not" test_rebalancers_act
t_run "bench/sim: the picture" test_picture
t_done
