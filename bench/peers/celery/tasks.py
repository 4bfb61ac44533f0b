"""Celery app for the peer bench: Redis broker + Redis result backend on one port."""
import os
import time

import redis
from celery import Celery, signals

PORT = int(os.environ.get("BENCH_REDIS_PORT", "6390"))
URL = f"redis://127.0.0.1:{PORT}/0"
SLEEP_S = float(os.environ.get("BENCH_SLEEP_S", "0.1"))
# body (iii): POST this request to a running gemini-emulator
URL_ = os.environ.get("BENCH_URL", "")
REQUEST_FILE = os.environ.get("BENCH_REQUEST_FILE", "")

app = Celery("bench", broker=URL, backend=URL)
app.conf.update(
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    # default False; True = one shared backend/connection pool instead of one per
    # thread-local (under gevent every greenlet is a new "thread")
    result_backend_thread_safe=os.environ.get("BENCH_BACKEND_THREAD_SAFE", "0") == "1",
    # everything else at Celery defaults (json, prefetch multiplier 4, acks early)
)

# redis-py pools are fork-safe (pid check), so one module-level client is fine
# for prefork children, gevent greenlets and threads alike.
_r = redis.Redis(host="127.0.0.1", port=PORT)


@app.task(bind=True, name="bench.noop")
def noop(self):
    _r.hset("bench:results", self.request.id, '{"ok":1}')


@app.task(bind=True, name="bench.sleep")
def sleepy(self):
    time.sleep(SLEEP_S)  # cooperative under -P gevent (Celery monkey-patches)
    _r.hset("bench:results", self.request.id, '{"ok":1}')


@app.task(bind=True, name="bench.http")
def http(self):
    import json
    import urllib.request
    with open(REQUEST_FILE, "rb") as f:
        body = f.read()
    request = urllib.request.Request(URL_, data=body, method="POST", headers={
        "content-type": "application/json", "x-goog-api-key": "emulator-key"})
    with urllib.request.urlopen(request) as response:
        json.loads(response.read())
    _r.hset("bench:results", self.request.id, '{"ok":1}')


@signals.worker_ready.connect
def _ready(sender=None, **kw):
    # fired right after consumer.consume() -- i.e. when the worker starts taking jobs
    redis.Redis(host="127.0.0.1", port=PORT).rpush("bench:ready", repr(time.time()))
