#!/usr/bin/env python3
"""bench/offload's report: runs.jsonl -> tables, summary.json, fig6.dat, fig6.png, last line.

Per case and size (part 'tput'): median [min-max] over the repetitions of received pps, Gb/s
(UDP payload), loss and the receiving host's CPU seconds per million packets delivered into the
VMs (measure.py). Ratios are ratios of the medians:
  pps_ratio_vs_kernel = vsx rx pps / kernel rx pps          (64 B)
  cpu_ratio_vs_kernel = kernel CPU per packet / vsx's       (64 B)
  pps_ratio_vs_ovs    = vsx rx pps / ovs rx pps             (64 B)
64-byte datagrams because the ratios are per packet: the packet rate is highest there and a
per-packet cost shows undiluted; every size is in the tables and in summary.json.
Fig. 6 (part 'fig6'): per case and number of VMs, the host CPU (% of the measured core over the
sending time) and the aggregate received Mb/s, medians [min-max]; and Fig. 7's per-VM view: the
mean, min and max Mb/s any one VM received.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys

KEY_SIZE = 64


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def rng(xs):
    xs = [x for x in xs if x is not None]
    return (min(xs), max(xs)) if xs else (None, None)


def fmt(x, f="%.0f"):
    return "na" if x is None else f % x


def agg(runs, field):
    xs = [r.get(field) for r in runs]
    lo, hi = rng(xs)
    return {"median": med(xs), "min": lo, "max": hi, "n": len([x for x in xs if x is not None])}


def cell(a, f="%.0f"):
    if a["median"] is None:
        return "na"
    return "%s [%s-%s]" % (fmt(a["median"], f), fmt(a["min"], f), fmt(a["max"], f))


def ratio(a, b):
    return a / b if a is not None and b else None


def main():
    out = sys.argv[1]
    runs = [json.loads(l) for l in open(os.path.join(out, "runs.jsonl")) if l.strip()]
    meta = {}
    if os.path.exists(os.path.join(out, "meta.json")):
        meta = json.load(open(os.path.join(out, "meta.json")))
    cases = [c for c in ("kernel", "vsx", "ovs") if any(r["case"] == c for r in runs)]
    for r in runs:  # the share of received packets vsx's datapath put on the fast path
        dp = r.get("dp") or {}
        r["fast_pct"] = 100.0 * dp.get("path_offload", 0) / dp["rx"] if dp.get("rx") else None
    summary = {"meta": meta, "tput": {}, "fig6": {}}

    tput = [r for r in runs if r["part"] == "tput"]
    sizes = sorted({r["size"] for r in tput})
    if tput:
        print()
        rate = tput[0].get("rate", "0")
        print("Received by h2's VMs, one flow %s (medians [min-max] over %d reps):"
              % ("at the generator's full rate" if rate in ("0", 0) else "offered %s bit/s" % rate,
                 max(int(r["rep"]) for r in tput)))
        print("%-7s %5s  %-24s %-24s %-22s %-18s %-22s %-14s %s" % (
            "case", "size", "offered pps", "rx pps", "rx Gb/s", "loss %", "CPU s/Mpkt", "core busy %", "fast path %"))
        for s in sizes:
            for c in cases:
                rs = [r for r in tput if r["case"] == c and r["size"] == s]
                if not rs:
                    continue
                d = {k: agg(rs, k) for k in ("rx_pps", "offered_pps", "rx_gbps", "loss_pct", "cpu_s_per_mpkt",
                                             "core_s_per_mpkt", "core_busy_pct", "host_cpu_s", "fast_pct")}
                summary["tput"].setdefault(str(s), {})[c] = d
                print("%-7s %5d  %-24s %-24s %-22s %-18s %-22s %-14s %s" % (
                    c, s, cell(d["offered_pps"]), cell(d["rx_pps"]), cell(d["rx_gbps"], "%.3f"), cell(d["loss_pct"], "%.1f"),
                    cell(d["cpu_s_per_mpkt"], "%.3f"), cell(d["core_busy_pct"]),
                    cell(d["fast_pct"]) if c == "vsx" else "-"))
        print("(CPU s/Mpkt: the measured core's cpumap kthread + ksoftirqd (kernel, vsx) or OVS's pmd processing")
        print(" cycles + ksoftirqd (ovs), per million frames delivered into the VMs; core busy: /proc/stat of that")
        print(" core, everything that ran there; fast path %: of the packets vsx's datapath received, those it")
        print(" delivered through the fast path: fragments never take it)")

    def m(c, s, k):
        try:
            return summary["tput"][str(s)][c][k]["median"]
        except KeyError:
            return None

    res = {
        "pps_ratio_vs_kernel": ratio(m("vsx", KEY_SIZE, "rx_pps"), m("kernel", KEY_SIZE, "rx_pps")),
        "cpu_ratio_vs_kernel": ratio(m("kernel", KEY_SIZE, "cpu_s_per_mpkt"), m("vsx", KEY_SIZE, "cpu_s_per_mpkt")),
        "pps_ratio_vs_ovs": ratio(m("vsx", KEY_SIZE, "rx_pps"), m("ovs", KEY_SIZE, "rx_pps")),
    }
    per_size = {}
    for s in sizes:
        per_size[str(s)] = {
            "pps_ratio_vs_kernel": ratio(m("vsx", s, "rx_pps"), m("kernel", s, "rx_pps")),
            "cpu_ratio_vs_kernel": ratio(m("kernel", s, "cpu_s_per_mpkt"), m("vsx", s, "cpu_s_per_mpkt")),
            "pps_ratio_vs_ovs": ratio(m("vsx", s, "rx_pps"), m("ovs", s, "rx_pps")),
            "kernel_cpu_ratio_vs_ovs": ratio(m("ovs", s, "cpu_s_per_mpkt"), m("kernel", s, "cpu_s_per_mpkt")),
        }
    summary["ratios"] = res
    summary["ratios_per_size"] = per_size
    if per_size:
        print()
        print("Ratios of medians per size: " + "; ".join(
            "%s B: vsx/kernel pps %s, kernel/vsx CPU %s, vsx/ovs pps %s" % (
                s, fmt(v["pps_ratio_vs_kernel"], "%.2f"), fmt(v["cpu_ratio_vs_kernel"], "%.2f"),
                fmt(v["pps_ratio_vs_ovs"], "%.2f")) for s, v in per_size.items()))

    f6 = [r for r in runs if r["part"] == "fig6"]
    if f6:
        ns = sorted({int(r["nvms"]) for r in f6})
        f6cases = [c for c in ("kernel", "vsx") if any(r["case"] == c for r in f6)]
        print()
        print("Fig. 6: VMs added one by one, each %s bit/s of %d-byte UDP (medians [min-max]):"
              % (f6[0].get("rate"), f6[0]["size"]))
        print("%-4s " % "VMs" + " ".join("%-20s %-22s %-18s" % (c + " host CPU %", c + " Mb/s", c + " per VM")
                                         for c in f6cases))
        rows = []
        for n in ns:
            line, row = "%-4d " % n, [n]
            for c in f6cases:
                rs = [r for r in f6 if r["case"] == c and int(r["nvms"]) == n]
                for r in rs:
                    r["rx_mbps"] = r["rx_gbps"] * 1000
                cpu, mbps = agg(rs, "host_cpu_pct"), agg(rs, "rx_mbps")
                # Fig. 7: what each VM got (every VM of every repetition).
                vm = [p["received_mbps"] for r in rs for p in r["pairs"] if p.get("received_mbps") is not None]
                pvm = {"mean": statistics.mean(vm) if vm else None, "min": min(vm) if vm else None,
                       "max": max(vm) if vm else None}
                summary["fig6"].setdefault(c, {})[str(n)] = {"host_cpu_pct": cpu, "rx_mbps": mbps, "per_vm_mbps": pvm}
                line += "%-20s %-22s %-18s " % (cell(cpu, "%.1f"), cell(mbps), "%s [%s-%s]" % (
                    fmt(pvm["mean"]), fmt(pvm["min"]), fmt(pvm["max"])))
                row += [cpu["median"], cpu["min"], cpu["max"], mbps["median"], mbps["min"], mbps["max"],
                        pvm["mean"], pvm["min"], pvm["max"]]
            print(line)
            rows.append(row)
        cols = ["vms"] + [c + "_" + k for c in f6cases for k in ("cpu", "cpu_min", "cpu_max", "mbps", "mbps_min",
                                                                  "mbps_max", "vm_mbps", "vm_min", "vm_max")]
        with open(os.path.join(out, "fig6.dat"), "w") as f:
            f.write("# " + " ".join(cols) + "\n")
            for row in rows:
                f.write(" ".join("nan" if x is None else ("%g" % x) for x in row) + "\n")
        share = [r["fast_pct"] for r in f6 if r["case"] == "vsx" and r["fast_pct"] is not None]
        if share:
            summary["fig6_fast_path_pct"] = {"min": min(share), "max": max(share)}
            print("vsx: the fast path took %.1f-%.1f %% of the received packets (per run)" % (min(share), max(share)))
        plot_fig6(out, f6cases, f6[0])

    fp = [r["fast_pct"] for r in tput if r["case"] == "vsx" and r["size"] == KEY_SIZE and r["fast_pct"] is not None]
    if fp and min(fp) < 90:
        print()
        print("WARNING: in %s of the %d-byte vsx runs the fast path took less than 90 %% of the packets (%.1f-%.1f %%): "
              "those runs measured mostly the normal path, and the ratios say little about the fast path"
              % ("all" if max(fp) < 90 else "some", KEY_SIZE, min(fp), max(fp)))
        summary["warning"] = "vsx fast path share at %d B: %.1f-%.1f %%" % (KEY_SIZE, min(fp), max(fp))
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print()
    print("offload: pps_ratio_vs_kernel=%s cpu_ratio_vs_kernel=%s pps_ratio_vs_ovs=%s" % (
        fmt(res["pps_ratio_vs_kernel"], "%.2f"), fmt(res["cpu_ratio_vs_kernel"], "%.2f"),
        fmt(res["pps_ratio_vs_ovs"], "%.2f")))


def plot_fig6(out, cases, r0):
    """fig6.png: host CPU (left) and aggregate Mb/s (right) against the number of VMs."""
    if not shutil.which("gnuplot"):
        return
    gp = os.path.join(out, "fig6.gp")
    dat = os.path.join(out, "fig6.dat")
    col = {c: 2 + 9 * i for i, c in enumerate(cases)}
    label = {"kernel": "offload off (kernel VXLAN + bridge)", "vsx": "offload on (vsx fast path)"}
    cpu = ", ".join("'%s' u 1:%d:%d:%d w yerrorlines lw 2 title '%s'" % (dat, col[c], col[c] + 1, col[c] + 2, label[c])
                    for c in cases)
    mb = ", ".join("'%s' u 1:%d:%d:%d w yerrorlines lw 2 title '%s'" % (dat, col[c] + 3, col[c] + 4, col[c] + 5, label[c])
                   for c in cases)
    vm = ", ".join("'%s' u 1:%d:%d:%d w yerrorlines lw 2 title '%s'" % (dat, col[c] + 6, col[c] + 7, col[c] + 8, label[c])
                   for c in cases)
    with open(gp, "w") as f:
        f.write("""set terminal pngcairo size 1500,420 font ',10'
set output '%s'
set multiplot layout 1,3 title 'VMs added one by one, %s bit/s of %d-byte UDP each (medians, min-max bars)'
set xlabel 'VMs receiving on the host'
set key top left
set grid
set xrange [0.5:*]
set xtics 1
set yrange [0:*]
set ylabel 'host CPU (%% of the measured core)'
plot %s
set ylabel 'aggregate received Mb/s'
plot %s
set ylabel 'received Mb/s per VM (mean, min-max over the VMs)'
set key bottom right
plot %s
unset multiplot
""" % (os.path.join(out, "fig6.png"), r0.get("rate"), r0["size"], cpu, mb, vm))
    subprocess.run(["gnuplot", gp], capture_output=True, timeout=60)


if __name__ == "__main__":
    main()
