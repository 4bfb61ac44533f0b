"""arq worker settings for the peer bench (body ii: sleep 100 ms then HSET)."""
import asyncio
import os
import time

from arq.connections import RedisSettings

PORT = int(os.environ.get("BENCH_REDIS_PORT", "6390"))
SLEEP_S = float(os.environ.get("BENCH_SLEEP_S", "0.1"))
MAX_JOBS = int(os.environ.get("BENCH_MAX_JOBS", "100"))
POLL_DELAY = float(os.environ.get("BENCH_POLL_DELAY", "0.5"))  # 0.5 s is arq's default


async def sleepy(ctx):
    await asyncio.sleep(SLEEP_S)
    await ctx["redis"].hset("bench:results", ctx["job_id"], '{"ok":1}')


async def noop(ctx):
    await ctx["redis"].hset("bench:results", ctx["job_id"], '{"ok":1}')


URL_ = os.environ.get("BENCH_URL", "")
REQUEST_FILE = os.environ.get("BENCH_REQUEST_FILE", "")


async def http(ctx):
    """body (iii): POST the request to a running gemini-emulator (HTTP/1.1 by hand:
    no HTTP client library is pinned), then the HSET."""
    from urllib.parse import urlsplit
    url = urlsplit(URL_)
    with open(REQUEST_FILE, "rb") as f:
        body = f.read()
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    head = (f"POST {url.path} HTTP/1.1\r\nhost: {url.netloc}\r\ncontent-type: application/json\r\n"
            f"x-goog-api-key: emulator-key\r\ncontent-length: {len(body)}\r\nconnection: close\r\n\r\n")
    writer.write(head.encode() + body)
    await writer.drain()
    response = await reader.read()
    writer.close()
    status = response.split(b" ", 2)[1]
    if status != b"200":
        raise RuntimeError(f"HTTP {status!r}")
    await ctx["redis"].hset("bench:results", ctx["job_id"], '{"ok":1}')


async def startup(ctx):
    # called by Worker.main() right before its first poll of the queue
    await ctx["redis"].rpush("bench:ready", repr(time.time()))


class WorkerSettings:
    functions = [sleepy, noop, http]
    redis_settings = RedisSettings(host="127.0.0.1", port=PORT)
    max_jobs = MAX_JOBS
    on_startup = startup
    poll_delay = POLL_DELAY
    # everything else at arq defaults (keep_result 3600 s, queue_read_limit = max(5*max_jobs, 100))
