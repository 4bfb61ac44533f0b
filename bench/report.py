#!/usr/bin/env python3
"""Table of one bench/run.sh run: medians over reps, and tally's ratios to the peers
(wkCPU ms: tally's worker processes' CPU time per record).

  python3 bench/report.py bench/results/<stamp>/results.jsonl
"""
import json
import statistics
import sys
from collections import OrderedDict


def median(rows, key):
    values = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(values) if values else None


def fmt(x, nd=0):
    return "-" if x is None else f"{x:,.{nd}f}"


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    groups = OrderedDict()
    for row in rows:
        groups.setdefault(row["label"], []).append(row)

    print("Throughput (median over reps; timed from the workers' start to the last result)")
    head = f"{'config':<36} {'N':>7} {'reps':>4} {'jobs/s':>8} {'min-max':>15} {'ideal':>6} {'eff':>6} {'cmd/job':>7} {'redisCPU%':>9} {'wkCPU ms':>8}"
    print(head)
    print("-" * len(head))
    for label, rs in groups.items():
        if "jobs_per_s" not in rs[0]:
            continue
        v = [r["jobs_per_s"] for r in rs]
        ideal = rs[0].get("ideal_per_s")
        eff = f"{100 * statistics.median(v) / ideal:.1f}%" if ideal else "-"
        print(f"{label:<36} {rs[0]['n']:>7} {len(rs):>4} {fmt(statistics.median(v)):>8} "
              f"{fmt(min(v)) + '-' + fmt(max(v)):>15} {fmt(ideal):>6} {eff:>6} "
              f"{fmt(median(rs, 'redis_cmds_per_job'), 1):>7} {fmt(median(rs, 'redis_cpu_pct')):>9} "
              f"{fmt(median(rs, 'worker_cpu_ms_per_record'), 3):>8}")

    def med(label, key):
        rs = groups.get(label)
        return median(rs, key) if rs else None

    print()
    quota = [label for label in groups if label.startswith("tally quota")]
    for label in quota:
        rs = groups[label]
        print(f"{label}: achieved {fmt(100 * median(rs, 'achieved_share'), 1)} % of the quota, "
              f"busiest window {fmt(median(rs, 'busiest_window'))} (quota {rs[0]['quota']}), "
              f"429s {fmt(median(rs, 'rate_limited'))} of {fmt(median(rs, 'calls'))} calls "
              f"({fmt(median(rs, 'rate_limited_pct'), 2)} %)")
    for label, rs in groups.items():
        if "rss_mib" in rs[0]:
            print(f"{label}: {rs[0]['rss_mib']} MiB with {rs[0]['in_flight']} calls in flight "
                  f"({rs[0]['rss_mib_at_start']} MiB at start)")
    for label, rs in groups.items():
        if "levels" in rs[0]:
            for level in rs[0]["levels"]:
                print(f"{label}, {level['connections']} connections: {fmt(level['requests_per_s'])} requests/s, "
                      f"p50 {level['p50_ms']} ms, p99 {level['p99_ms']} ms, max {level['max_ms']} ms, "
                      f"{level['errors']} errors ({rs[0]['records_done_meanwhile']:,} records done by then)")
    for label, rs in groups.items():
        if "import_s" in rs[0]:
            r = rs[0]
            print(f"{label}: {r['n']:,} records in {r['import_s']} s ({fmt(r['import_records_per_s'])} records/s), "
                  f"importer peak RSS {r['importer_peak_rss_mib']} MiB")
    for label, rs in groups.items():
        if "result_bytes_per_record" in rs[0]:
            r = rs[0]
            print(f"{label}: {fmt(r['jobs_per_s'])} records/s, {r['wall_s']} s, exactly {r['results']:,} results, "
                  f"finalize {r['finalize_s']} s, chunk queue at most {r['max_chunk_queue']} jobs; "
                  f"Redis per record: results {r['result_bytes_per_record']} B "
                  f"(JSON {r['result_json_bytes_avg']} B) + order {r['order_bytes_per_record']} B; "
                  f"job bookkeeping {r['job_bookkeeping_bytes_per_record']} B before vacuum")
            if "worker_peak_rss_mib" in r:
                print(f"{label}: {r['us_per_record']} µs per record; dataset {r['dataset_bytes_per_record']} B "
                      f"per record in Redis; peak RSS worker {r['worker_peak_rss_mib']} MiB, "
                      f"emulator {r.get('emulator_peak_rss_mib') or '-'} MiB")

    print()
    ratios = [
        ("dispatch, tally (iii) / bullmq (iii), 0 ms", med("tally (iii) W=2 C=50", "jobs_per_s"),
         med("bullmq (iii) W=2 C=50", "jobs_per_s"), "target >= 1.5"),
        ("100 ms, tally / bullmq (iii) through the emulator", med("tally 100ms W=2 C=100", "jobs_per_s"),
         med("bullmq (iii) 100ms W=2 C=100", "jobs_per_s"), ""),
        ("1000 ms, tally / bullmq (iii) through the emulator", med("tally 1000ms W=2 C=100", "jobs_per_s"),
         med("bullmq (iii) 1000ms W=2 C=100", "jobs_per_s"), ""),
    ]
    for name, ours, theirs, target in ratios:
        if ours and theirs:
            print(f"{name}: {ours / theirs:.2f}x  {target}")
    eff = med("tally 100ms W=2 C=100", "efficiency")
    if eff is not None:
        print(f"efficiency, tally 100 ms, 2 x 100 in flight: {100 * eff:.1f} % (target >= 99 %)")
    eff_slow = med("tally 1000ms W=2 C=100", "efficiency")
    if eff_slow is not None:
        print(f"efficiency, tally 1000 ms, 2 x 100 in flight: {100 * eff_slow:.1f} %")


if __name__ == "__main__":
    main(sys.argv[1])
