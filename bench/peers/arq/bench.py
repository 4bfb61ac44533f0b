"""arq throughput bench.

  python bench.py --body sleep --n 5000 --max-jobs 100 [--workers 1]

FLUSHALL; enqueue N jobs (ids j0..) with a loop of enqueue_job; start W `arq`
worker processes; t0 = earliest on_startup hook; t1 = first 10 ms poll at which
HLEN bench:results == N and all N arq:result:* keys exist.
"""
import argparse
import asyncio
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


async def produce(body, n, port):
    from arq import create_pool
    from arq.connections import RedisSettings
    pool = await create_pool(RedisSettings(host="127.0.0.1", port=port))
    fn = {"sleep": "sleepy", "noop": "noop", "http": "http"}[body]
    t0 = time.perf_counter()
    for i in range(n):
        await pool.enqueue_job(fn, _job_id=f"j{i}")
    dt = time.perf_counter() - t0
    await pool.aclose()
    return dt


def main():
    # turn SIGTERM (e.g. from `timeout`) into SystemExit so the finally: block stops the workers
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser()
    ap.add_argument("--body", default="sleep")
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--max-jobs", type=int, default=100)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--poll-delay", type=float, default=0.5, help="arq poll_delay (arq default 0.5 s)")
    ap.add_argument("--port", type=int, default=6390)
    ap.add_argument("--timeout", type=float, default=170)
    ap.add_argument("--url", default="", help="body http: the emulator's generateContent URL")
    ap.add_argument("--request-file", default="", help="body http: the request to POST")
    a = ap.parse_args()
    env = dict(os.environ, BENCH_REDIS_PORT=str(a.port), BENCH_MAX_JOBS=str(a.max_jobs),
               BENCH_POLL_DELAY=str(a.poll_delay), BENCH_URL=a.url,
               BENCH_REQUEST_FILE=os.path.abspath(a.request_file) if a.request_file else "")
    sleep_s = float(env.get("BENCH_SLEEP_S", "0.1"))

    r = redis.Redis(host="127.0.0.1", port=a.port)
    r.flushall()
    enqueue_s = asyncio.run(produce(a.body, a.n, a.port))
    assert r.zcard("arq:queue") == a.n

    cmds0, cpu0 = redis_stats(r)
    t_spawn = time.time()
    arq_bin = os.path.join(os.path.dirname(sys.executable), "arq")
    procs = [subprocess.Popen([arq_bin, "arq_tasks.WorkerSettings"], cwd=HERE, env=env,
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(HERE, f"worker{w}.log"), "w"))
             for w in range(a.workers)]
    keys = [f"arq:result:j{i}" for i in range(a.n)]
    deadline = time.time() + a.timeout
    cpu_r = None  # Redis CPU snapshot taken at the first poll after all workers reported ready
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
        # verify every stored arq result is a success (outside the timed window)
        from arq.jobs import deserialize_result
        ok = 0
        for i in range(0, a.n, 1000):
            ok += sum(deserialize_result(v).success for v in r.mget(keys[i:i + 1000]))
        used = r.info("memory")["used_memory"]
    finally:
        for p in procs:
            p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    from importlib.metadata import version
    wall = t1 - t0
    print(json.dumps({
        "peer": "arq", "version": version("arq"), "body": a.body, "n": a.n, "workers": a.workers,
        "max_jobs": a.max_jobs, "poll_delay": a.poll_delay, "wall_s": round(wall, 4), "jobs_per_s": round(a.n / wall, 1),
        "enqueue_s": round(enqueue_s, 3), "enqueue_per_s": round(a.n / enqueue_s, 1),
        "ideal_per_s": a.workers * a.max_jobs / sleep_s if a.body == "sleep" else None, "success": ok,
        "redis_cmds_per_job": round((cmds1 - cmds0) / a.n, 2),
        "redis_cpu_pct": round(100 * (cpu1 - cpu_r) / (t1 - t_r), 1),
        "startup_s": round(t0 - t_spawn, 3),
        "ready_spread_s": round(max(ready) - min(ready), 3), "used_memory_mb_at_end": round(used / 1048576, 2),
    }))


if __name__ == "__main__":
    main()
