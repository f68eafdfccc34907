'use strict';
// node-gc.js: an allocation-heavy Node.js workload for capturing page faults
// and mmap-family calls made by V8's heap and garbage collector.
//
//   node [V8 flags] tests/workloads/node-gc.js [WORKERS] [ROUNDS]
//
// The main thread starts WORKERS worker_threads (default 4); each worker is
// its own V8 isolate with its own heap. Every worker, for ROUNDS rounds
// (default 10), builds short-lived object graphs (young-generation scavenges),
// keeps a sliding window of survivors (promotion to the old generation,
// mark-compact), and allocates and drops large ArrayBuffers (backing stores
// outside the V8 heap, mmap/munmap through malloc). V8's GC helper threads and
// the page allocator then mmap, munmap, mprotect and madvise heap pages from
// several threads while the workers fault on fresh pages.
//
// Prints one line per worker and a total on stderr; exits 0.

const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');

function churn(id, rounds) {
  let survivors = [];
  let checksum = 0;
  let buffers = 0;
  for (let r = 0; r < rounds; r++) {
    // Young garbage: many small objects and strings, dropped at once.
    for (let i = 0; i < 20000; i++) {
      const o = { id: i, r, name: 'w' + id + ':' + i, v: [i, i * 2, i * 3] };
      checksum = (checksum + o.v[2] + o.name.length) | 0;
      // Keep a few: they survive scavenges and get promoted.
      if ((i & 63) === 0) survivors.push(o);
    }
    // Old-generation pressure: a sliding window of survivors.
    if (survivors.length > 4000) survivors = survivors.slice(survivors.length - 2000);
    // A Map rebuilt each round (hash table backing stores).
    const m = new Map();
    for (let i = 0; i < 5000; i++) m.set('k' + i, { i });
    checksum = (checksum + m.size) | 0;
    // Large backing stores outside the JS heap.
    for (let i = 0; i < 4; i++) {
      const ab = new ArrayBuffer(512 * 1024);
      const u8 = new Uint8Array(ab);
      for (let p = 0; p < u8.length; p += 4096) u8[p] = (p + i) & 0xff;
      checksum = (checksum + u8[4096]) | 0;
      buffers++;
    }
  }
  return { id, rounds, survivors: survivors.length, buffers, checksum };
}

if (isMainThread) {
  const workers = Number(process.argv[2] || 4);
  const rounds = Number(process.argv[3] || 10);
  if (!(workers >= 1 && rounds >= 1)) {
    process.stderr.write('usage: node node-gc.js [WORKERS>=1] [ROUNDS>=1]\n');
    process.exit(2);
  }
  const t0 = process.hrtime.bigint();
  let done = 0;
  let total = 0;
  for (let w = 0; w < workers; w++) {
    const worker = new Worker(__filename, { workerData: { id: w, rounds } });
    worker.on('message', (res) => {
      process.stderr.write(`node-gc: worker=${res.id} rounds=${res.rounds} ` +
        `survivors=${res.survivors} buffers=${res.buffers} checksum=${res.checksum}\n`);
      total += res.buffers;
    });
    worker.on('error', (e) => { process.stderr.write(`node-gc: worker ${w}: ${e}\n`); process.exitCode = 1; });
    worker.on('exit', () => {
      if (++done === workers) {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        process.stderr.write(`node-gc: workers=${workers} rounds=${rounds} ` +
          `buffers=${total} elapsed_ms=${ms.toFixed(1)}\n`);
      }
    });
  }
} else {
  parentPort.postMessage(churn(workerData.id, workerData.rounds));
}
