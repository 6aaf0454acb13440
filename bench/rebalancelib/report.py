#!/usr/bin/env python3
"""bench/rebalance's report: per-run table, per-mode summary, the last line.

Reads DIR/runs.jsonl (one record per run, bench/rebalancelib/run.py) and DIR/meta.json;
writes DIR/summary.json. The last line:

  rebalance: reordered=N settle_ms=T moved=M reps=R settled=S/R ...

  reordered  out-of-order datagrams (iperf3's receivers) on the flows whose rules moved,
             summed over every rebalancing run: any reordering anywhere counts; 'na' when
             no rule moved in any run (there was nothing to reorder)
  settle_ms  median over the rebalancing runs of the time from the load step to the poll
             that saw the flows of every moved rule on the rule's new core, in a run that
             settled (no move in the window's last second, or no rule left on C); a run that
             did not settle counts as infinitely slow, and a median that is such a run is -1
  moved      median over the rebalancing runs of the datapath's flow_moved increase
Then: runs that settled, the slowest settle, the median time until the first round of moves
had its flows on the new core (first_ms), the out-of-order count of all flows, and for
rebalancing on/off the median loss, the CPU % of core D its cpumap kthread ran after the
settle point (the moved work, by the kernel's account), and what the load step's job got of
its core (million iterations per second of its loop).
Exit status 1 when no run could be set up (nothing was measured).
"""
import json
import math
import sys


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else None  # the upper middle: never better than half the runs


def rng(xs):
    xs = [x for x in xs if x is not None and not (isinstance(x, float) and math.isinf(x))]
    if not xs:
        return "-"
    return "%g" % xs[0] if min(xs) == max(xs) else "%g-%g" % (min(xs), max(xs))


def fmt(x, nd=1):
    if x is None:
        return "-"
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    return ("%." + str(nd) + "f") % x if isinstance(x, float) else str(x)


def share_d(r):
    """CPU % of core D that its cpumap kthread ran after the split: the steered work the kernel
    did there (on C the flows are processed where they arrive, without the cpumap)."""
    kt, ms = r.get("kt_ms_after") or {}, r.get("after_ms")
    return round(100.0 * kt.get(str(r["d"]), 0) / ms, 1) if ms else None


def main():
    out = sys.argv[1]
    meta = json.load(open(out + "/meta.json"))
    runs = [json.loads(line) for line in open(out + "/runs.jsonl") if line.strip()]
    ok = [r for r in runs if r["setup"] == "ok"]
    bad = [r for r in runs if r["setup"] != "ok"]
    C, D = meta["c"], meta["d"]

    print()
    print("runs (C = core %d, the load step's; D = core %d; times from the load step t0):" % (C, D))
    hdr = "%-4s %-4s %-9s %-9s %8s %9s %6s %10s %7s %8s %6s %15s %15s %6s" % (
        "rep", "reb", "on C", "moved", "first ms", "settle ms", "f_mvd", "ooo mv/all", "loss %",
        "Mb/s", "jit ms", "kt after C/D ms", "pkts after C/D", "job M/s")
    print(hdr)
    for r in runs:
        if r["setup"] != "ok" and "pairs" not in r:
            print("%-4s %-4s setup failed (%s step): %s" % (r.get("rep"), r.get("rebalance"), r["step"], r["setup"]))
            continue
        kt, pk = r["kt_ms_after"], r["pk_after"]
        print("%-4s %-4s %-9s %-9s %8s %9s %6s %10s %7s %8s %6s %15s %15s %6s" % (
            r["rep"], r["rebalance"], ",".join(map(str, r["at_c"])) or "-",
            ",".join(map(str, r["moved_rules"])) or "-",
            fmt(r["first_ms"]) if r["first_ms"] is not None else "-",
            fmt(r["settle_ms"]) if r["settle_ms"] is not None else "no",
            fmt(r["flow_moved"]), "%s/%s" % (fmt(r["ooo_moved"]), fmt(r["ooo_all"])),
            fmt(r["loss_pct"], 2), fmt(r["received_mbps"]), fmt(r["jitter_ms"], 3),
            "%s/%s" % (kt[str(C)], kt[str(D)]), "%s/%s" % (pk[str(C)], pk[str(D)]),
            fmt(r.get("job_mips_after"), 2)))
        if r["setup"] != "ok":
            print("     (%s)" % r["setup"])
        for rid in r["moved_rules"]:
            print("     rule %s: moved at %s ms, its flows on the new core at %s ms" % (
                rid, r["move_ms"][str(rid)], r["follow_ms"].get(str(rid), "never")))
        if r["moved_rules"] and r.get("left_on_c"):
            print("     left on core %d: rules %s" % (C, ",".join(map(str, r["left_on_c"]))))

    summary = {"meta": meta, "modes": {}}
    print()
    print("summary per mode, median [range] over the runs that could be set up:")
    for mode in ("on", "off"):
        rs = [r for r in ok if r["rebalance"] == mode]
        if not rs:
            continue
        settle = [r["settle_ms"] if r["settle_ms"] is not None else math.inf for r in rs]
        first = [r["first_ms"] if r["first_ms"] is not None else math.inf for r in rs]
        m = {
            "first_ms": median(first),
            "first_range": rng(first),
            "runs": len(rs),
            "settled": sum(1 for r in rs if r["settle_ms"] is not None),
            "settle_ms": median(settle),
            "settle_range": rng(settle),
            "flow_moved": median([r["flow_moved"] for r in rs if r["flow_moved"] is not None]),
            "rules_moved": median([len(r["moved_rules"]) for r in rs]),
            "ooo_moved": sum(r["ooo_moved"] or 0 for r in rs if r["moved_rules"]),
            "ooo_all": sum(r["ooo_all"] or 0 for r in rs),
            "loss_pct": median([r["loss_pct"] for r in rs if r["loss_pct"] is not None]),
            "loss_range": rng([r["loss_pct"] for r in rs]),
            "hop_drops": sum(r.get("hop_drops") or 0 for r in rs),
            "jitter_ms": median([r["jitter_ms"] for r in rs if r["jitter_ms"] is not None]),
            "share_d_pct": median([s for s in map(share_d, rs) if s is not None]),
            "share_d_range": rng([share_d(r) for r in rs]),
            "job_mips": median([r["job_mips_after"] for r in rs if r.get("job_mips_after") is not None]),
            "job_range": rng([r.get("job_mips_after") for r in rs]),
        }
        summary["modes"][mode] = m
        print("  rebalance %-3s: %d runs, %d settled, first round %s ms [%s], settle %s ms [%s],"
              " flows moved %s, rules moved %s,"
              % (mode, m["runs"], m["settled"], fmt(m["first_ms"]), m["first_range"],
                 fmt(m["settle_ms"]), m["settle_range"], fmt(m["flow_moved"]), fmt(m["rules_moved"])))
        print("                 out of order: %d on moved flows, %d on all; loss %s %% [%s] (%d datagrams"
              " dropped before h2's datapath, at the interrupt core's queue); jitter %s ms;"
              % (m["ooo_moved"], m["ooo_all"], fmt(m["loss_pct"], 2), m["loss_range"],
                 m["hop_drops"], fmt(m["jitter_ms"], 3)))
        print("                 after the split: core %d's cpumap kthread (the moved work) ran %s %% [%s]"
              " of it; the step's job on core %d did %s [%s] M loop iterations/s"
              % (D, fmt(m["share_d_pct"]), m["share_d_range"], C, fmt(m["job_mips"], 2),
                 m["job_range"]))
    if bad:
        print("  %d run(s) could not be set up (see above); they are left out" % len(bad))
    if meta.get("load_step_busy"):
        print("  the load step could not be set up (the machine's other work kept the cores above the"
              " threshold); these are VM-step runs")
    if not meta["rebalance_supported"]:
        print("  this vsxd has no rebalancing settings: no rule can move (both modes are the same"
              " configuration)")
    with open(out + "/summary.json", "w") as f:
        json.dump(summary, f, indent=2)

    on = summary["modes"].get("on")
    off = summary["modes"].get("off")
    if not on:
        print("rebalance: reordered=na settle_ms=-1 moved=na reps=%d settled=0/0 setup_failed=%d"
              % (meta["reps"], len(bad)))
        return 1
    # A moved flow: one that followed its rule (its slot on the new core), or that the
    # datapath counted as moved.
    any_moved = any(r["follow_ms"] or (r["flow_moved"] or 0) > 0 for r in ok if r["rebalance"] == "on")
    settle = on["settle_ms"]
    line = "rebalance: reordered=%s settle_ms=%s moved=%s reps=%d settled=%d/%d settle_max=%s" % (
        on["ooo_moved"] if any_moved else "na",
        -1 if settle is None or math.isinf(settle) else round(settle),
        fmt(on["flow_moved"]), meta["reps"], on["settled"], on["runs"],
        round(max(r["settle_ms"] for r in ok if r["rebalance"] == "on" and r["settle_ms"] is not None))
        if on["settled"] else -1)
    first = on["first_ms"]
    line += " first_ms=%s" % (-1 if first is None or math.isinf(first) else round(first))
    line += " ooo_all=%d loss_on=%s" % (on["ooo_all"], fmt(on["loss_pct"], 2))
    if off:
        line += " loss_off=%s" % fmt(off["loss_pct"], 2)
    line += " ktD_on=%s" % fmt(on["share_d_pct"])
    if off:
        line += " ktD_off=%s" % fmt(off["share_d_pct"])
    line += " job_on=%s" % fmt(on["job_mips"], 2)
    if off:
        line += " job_off=%s" % fmt(off["job_mips"], 2)
    line += " step=%s rebalance=%s" % (meta["step"], "yes" if meta["rebalance_supported"] else "no")
    if meta.get("load_step_busy"):
        line += " load_step=busy"
    if bad:
        line += " setup_failed=%d" % len(bad)
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
