// BullMQ throughput bench.
//   node bench.mjs --body noop|sleep|http --n 20000 --workers 1 --concurrency 50 [--port 6390]
//   body http (iii): POST the request in --request-file to --url (a running
//   gemini-emulator), read the answer, then the HSET; --latency-ms is the emulator's
//   latency (for the ideal rate).
// Parent: FLUSHALL, addBulk N jobs (chunks of 1000), fork W worker processes
// (Worker with autorun:false), wait until every worker is connected, send "go"
// (t0), poll every 10 ms until HLEN bench:results == N and the queue has no
// waiting/active/delayed/prioritized jobs (t1). Prints one JSON line.
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import http from 'node:http';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, arr) => {
    if (a.startsWith('--')) acc.push([a.slice(2), arr[i + 1] && !arr[i + 1].startsWith('--') ? arr[i + 1] : true]);
    return acc;
  }, []),
);
const PORT = Number(args.port ?? 6390);
const BODY = args.body ?? 'noop';
const N = Number(args.n ?? 20000);
const W = Number(args.workers ?? 1);
const C = Number(args.concurrency ?? 50);
const SLEEP_MS = Number(args['sleep-ms'] ?? 100);
const URL_ = args.url;
const REQUEST_FILE = args['request-file'];
const LATENCY_MS = Number(args['latency-ms'] ?? 0);
const QNAME = 'bench';
const connection = { host: '127.0.0.1', port: PORT, maxRetriesPerRequest: null };

// node:http with a keep-alive agent: several times faster than fetch() here.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
function post(body) {
  return new Promise((resolve, reject) => {
    const req = http.request(URL_, {
      method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'emulator-key', 'content-length': body.length },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
        else resolve(text);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function child() {
  process.on('disconnect', () => process.exit(1)); // parent died: don't linger
  const redis = new IORedis({ host: '127.0.0.1', port: PORT });
  const request = BODY === 'http' ? readFileSync(REQUEST_FILE) : null;
  const processor =
    BODY === 'sleep'
      ? async (job) => {
          await sleep(SLEEP_MS);
          await redis.hset('bench:results', job.id, '{"ok":1}');
        }
      : BODY === 'http'
      ? async (job) => {
          const answer = await post(request);
          JSON.parse(answer);
          await redis.hset('bench:results', job.id, '{"ok":1}');
        }
      : async (job) => {
          await redis.hset('bench:results', job.id, '{"ok":1}');
        };
  const worker = new Worker(QNAME, processor, { connection, concurrency: C, autorun: false });
  worker.on('error', (e) => console.error('worker error', e));
  worker.on('failed', (job, e) => console.error('job failed', job?.id, e?.message));
  await worker.waitUntilReady();
  await redis.ping();
  process.on('message', async (m) => {
    if (m === 'go') {
      worker.run().catch((e) => console.error('run error', e));
    } else if (m === 'stop') {
      await worker.close();
      await redis.quit();
      process.exit(0);
    }
  });
  process.send('ready');
}

// total commands processed and Redis server CPU seconds (user+sys), from INFO
async function redisStats(redis) {
  const s = await redis.info('all');
  const g = (k) => Number(new RegExp(`^${k}:([0-9.]+)`, 'm').exec(s)[1]);
  return { cmds: g('total_commands_processed'), cpu: g('used_cpu_user') + g('used_cpu_sys') };
}

async function parent() {
  const redis = new IORedis({ host: '127.0.0.1', port: PORT });
  await redis.flushall();
  const queue = new Queue(QNAME, { connection });
  await queue.waitUntilReady();

  // (a) enqueue
  const te0 = performance.now();
  for (let i = 0; i < N; i += 1000) {
    const chunk = [];
    for (let j = i; j < Math.min(N, i + 1000); j++) {
      chunk.push({ name: 'job', data: { i: j }, opts: { removeOnComplete: true, removeOnFail: 1000 } });
    }
    await queue.addBulk(chunk);
  }
  const enqueueS = (performance.now() - te0) / 1000;
  const waiting = (await queue.getJobCounts('waiting')).waiting;
  if (waiting !== N) throw new Error(`expected ${N} waiting, got ${waiting}`);

  // (b) workers
  const self = fileURLToPath(import.meta.url);
  const kids = [];
  const ready = [];
  for (let w = 0; w < W; w++) {
    const extra = BODY === 'http' ? ['--url', URL_, '--request-file', REQUEST_FILE] : [];
    const k = fork(self, ['--child', '--body', BODY, '--n', String(N), '--concurrency', String(C), '--port', String(PORT), '--sleep-ms', String(SLEEP_MS), ...extra]);
    kids.push(k);
    ready.push(new Promise((res, rej) => { k.once('message', res); k.once('exit', (c) => rej(new Error('child exited ' + c))); }));
  }
  await Promise.all(ready);

  const rs0 = await redisStats(redis);
  const t0 = performance.now();
  for (const k of kids) k.send('go');
  let t1;
  const deadline = t0 + 170000;
  for (;;) {
    const done = await redis.hlen('bench:results');
    if (done >= N) {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused', 'failed');
      if (c.waiting + c.active + c.delayed + c.prioritized + c.paused === 0) { t1 = performance.now(); break; }
    }
    if (performance.now() > deadline) throw new Error(`timeout: ${done}/${N} done`);
    await sleep(10);
  }
  const rs1 = await redisStats(redis);
  const wallS = (t1 - t0) / 1000;
  const counts = await queue.getJobCounts('completed', 'failed');
  const info = await redis.info('memory');
  const usedMem = Number(/used_memory:(\d+)/.exec(info)[1]);

  await Promise.all(kids.map((k) => new Promise((res) => { k.once('exit', res); k.send('stop'); })));
  await queue.close();
  await redis.quit();
  const require = createRequire(import.meta.url);
  const out = {
    peer: 'bullmq', version: require('bullmq/package.json').version, body: BODY, n: N, workers: W, concurrency: C,
    wall_s: +wallS.toFixed(4), jobs_per_s: +(N / wallS).toFixed(1),
    enqueue_s: +enqueueS.toFixed(3), enqueue_per_s: +(N / enqueueS).toFixed(1),
    ideal_per_s: BODY === 'sleep' ? (W * C) / (SLEEP_MS / 1000) : BODY === 'http' && LATENCY_MS > 0 ? (W * C) / (LATENCY_MS / 1000) : null,
    redis_cmds_per_job: +((rs1.cmds - rs0.cmds) / N).toFixed(2),
    redis_cpu_pct: +((100 * (rs1.cpu - rs0.cpu)) / wallS).toFixed(1),
    failed: counts.failed, used_memory_mb_at_end: +(usedMem / 1048576).toFixed(2),
  };
  console.log(JSON.stringify(out));
}

if (args.child) await child();
else await parent();
