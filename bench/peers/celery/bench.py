"""Celery throughput bench.

  python bench.py --body noop|sleep --n 20000 --pool prefork --concurrency 2 [--workers 1]

FLUSHALL; a separate producer process enqueues N tasks with a loop of
apply_async() (task ids j0..jN-1) and exits; then W `celery worker` processes
are started. t0 = the earliest worker_ready signal (emitted right after the
consumer starts consuming); t1 = first poll (10 ms period) at which
HLEN bench:results == N *and* all N celery-task-meta-* result keys exist.
Prints one JSON line.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

import redis

HERE = os.path.dirname(os.path.abspath(__file__))


def redis_stats(r):
    """(total commands processed incl. those inside Lua, Redis CPU seconds user+sys)"""
    i = r.info("all")
    return i["total_commands_processed"], i["used_cpu_user"] + i["used_cpu_sys"]


def produce(body, n):
    sys.path.insert(0, HERE)
    import tasks
    t = {"noop": tasks.noop, "sleep": tasks.sleepy, "http": tasks.http}[body]
    t0 = time.perf_counter()
    for i in range(n):
        t.apply_async(task_id=f"j{i}")
    dt = time.perf_counter() - t0
    print(json.dumps({"enqueue_s": dt}))


def main():
    # turn SIGTERM (e.g. from `timeout`) into SystemExit so the finally: block stops the workers
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser()
    ap.add_argument("--body", default="noop")
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--pool", default="prefork")
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--port", type=int, default=6390)
    ap.add_argument("--produce", action="store_true")
    ap.add_argument("--backend-thread-safe", action="store_true",
                    help="set result_backend_thread_safe=True in the workers (default False)")
    ap.add_argument("--timeout", type=float, default=170)
    ap.add_argument("--url", default="", help="body http: the emulator's generateContent URL")
    ap.add_argument("--request-file", default="", help="body http: the request to POST")
    a = ap.parse_args()
    os.environ["BENCH_URL"] = a.url
    os.environ["BENCH_REQUEST_FILE"] = os.path.abspath(a.request_file) if a.request_file else ""
    os.environ["BENCH_REDIS_PORT"] = str(a.port)
    os.environ["BENCH_BACKEND_THREAD_SAFE"] = "1" if a.backend_thread_safe else "0"
    if a.produce:
        return produce(a.body, a.n)

    r = redis.Redis(host="127.0.0.1", port=a.port)
    r.flushall()
    out = subprocess.run([sys.executable, __file__, "--produce", "--body", a.body, "--n", str(a.n), "--port", str(a.port)],
                         check=True, capture_output=True, text=True, cwd=HERE)
    enqueue_s = json.loads(out.stdout.strip().splitlines()[-1])["enqueue_s"]
    qlen = r.llen("celery")
    assert qlen == a.n, f"expected {a.n} queued, got {qlen}"

    cmds0, cpu0 = redis_stats(r)
    t_spawn = time.time()
    celery_bin = os.path.join(os.path.dirname(sys.executable), "celery")
    procs = []
    for w in range(a.workers):
        cmd = [celery_bin, "-A", "tasks", "worker", "-P", a.pool, "-c", str(a.concurrency),
               "-n", f"w{w}@%h", "-l", "warning", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        procs.append(subprocess.Popen(cmd, cwd=HERE, stdout=subprocess.DEVNULL, stderr=open(os.path.join(HERE, f"worker{w}.log"), "w")))

    keys = [f"celery-task-meta-j{i}" for i in range(a.n)]
    deadline = time.time() + a.timeout
    cpu_r = None  # Redis CPU snapshot taken at the first poll after all workers reported ready
    t1 = None
    try:
        while True:
            if time.time() > deadline:
                raise SystemExit(f"timeout: {r.hlen('bench:results')}/{a.n} done")
            if cpu_r is None and r.llen("bench:ready") >= a.workers:
                t_r, cpu_r = time.time(), redis_stats(r)[1]
            if r.hlen("bench:results") >= a.n:
                p = r.pipeline(transaction=False)
                for i in range(0, a.n, 1000):
                    p.exists(*keys[i:i + 1000])
                if sum(p.execute()) == a.n:
                    t1 = time.time()
                    cmds1, cpu1 = redis_stats(r)
                    break
            time.sleep(0.01)
        ready = [float(x) for x in r.lrange("bench:ready", 0, -1)]
        assert len(ready) == a.workers, ready
        t0 = min(ready)
        # verify every stored result is SUCCESS (outside the timed window)
        ok = 0
        for i in range(0, a.n, 1000):
            for v in r.mget(keys[i:i + 1000]):
                ok += json.loads(v)["status"] == "SUCCESS"
        used = r.info("memory")["used_memory"]
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)  # warm shutdown
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    import celery, kombu
    wall = t1 - t0
    print(json.dumps({
        "peer": "celery", "version": celery.__version__, "kombu": kombu.__version__, "body": a.body, "n": a.n,
        "workers": a.workers, "pool": a.pool, "concurrency": a.concurrency,
        "backend_thread_safe": a.backend_thread_safe,
        "wall_s": round(wall, 4), "jobs_per_s": round(a.n / wall, 1),
        "enqueue_s": round(enqueue_s, 3), "enqueue_per_s": round(a.n / enqueue_s, 1),
        "ideal_per_s": a.workers * a.concurrency / float(os.environ.get("BENCH_SLEEP_S", "0.1")) if a.body == "sleep" else None,
        "success": ok,
        "redis_cmds_per_job": round((cmds1 - cmds0) / a.n, 2),
        "redis_cpu_pct": round(100 * (cpu1 - cpu_r) / (t1 - t_r), 1),
        "startup_s": round(t0 - t_spawn, 3),
        "ready": ready, "ready_spread_s": round(max(ready) - min(ready), 3),
        "used_memory_mb_at_end": round(used / 1048576, 2),
    }))


if __name__ == "__main__":
    main()
