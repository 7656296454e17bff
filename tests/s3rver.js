#!/usr/bin/env node
// s3rver.js: starts/stops the S3-compatible test server (npm s3rver) for the integration tests.
//
//   node tests/s3rver.js start STATE_DIR   serve in the background on 127.0.0.1 and a free port;
//                                          returns once it answers. Writes STATE_DIR/endpoint
//                                          ("http://127.0.0.1:PORT"), STATE_DIR/bucket, STATE_DIR/pid.
//   node tests/s3rver.js stop STATE_DIR    stops it and removes STATE_DIR.
//
// Objects live in STATE_DIR/data (fresh at every start). Credentials: S3RVER / S3RVER (s3rver
// checks the access key id but not V4 signatures). SBW_S3RVER_VERBOSE=1 logs every request.
// A number in STATE_DIR/latency_ms (read at most once a second; absent = 0) delays every answer
// by that many ms, to model a remote store's per-request latency (bench/etl.sh uses it).
// Needs `npm ci` in the repository root (node_modules/s3rver).
'use strict';

const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');

const BUCKET = 'sbw-test';
const START_TIMEOUT_MS = 20000;
const STOP_TIMEOUT_MS = 10000;

function usage() {
  process.stderr.write('usage: s3rver.js start|stop STATE_DIR\n');
  process.exit(2);
}

function loadS3rver() {
  try {
    return require(path.join(__dirname, '..', 'node_modules', 's3rver'));
  } catch (e) {
    process.stderr.write(
      `s3rver.js: cannot load node_modules/s3rver (${e.message}); run "npm ci" in the repository root\n`,
    );
    process.exit(1);
  }
}

function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function readPid(state) {
  try {
    const pid = parseInt(fs.readFileSync(path.join(state, 'pid'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch (e) {
    return null;
  }
}

// The background child: runs the server until SIGTERM/SIGINT.
async function serve(state) {
  const S3rver = loadS3rver();
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: process.env.SBW_S3RVER_VERBOSE !== '1', // 1: log every request to server.log
    directory: path.join(state, 'data'),
    resetOnClose: true,
    configureBuckets: [{ name: BUCKET }],
  });
  // Runs before s3rver's own middleware (Koa composes the array when the server starts).
  let latencyMs = 0;
  let latencyReadAt = 0;
  server.middleware.unshift(async (ctx, next) => {
    const now = Date.now();
    if (now - latencyReadAt > 1000) {
      latencyReadAt = now;
      try {
        latencyMs = Math.max(0, parseInt(fs.readFileSync(path.join(state, 'latency_ms'), 'utf8'), 10) || 0);
      } catch (e) {
        latencyMs = 0;
      }
    }
    if (latencyMs > 0) await sleep(latencyMs);
    await next();
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  fs.writeFileSync(path.join(state, 'bucket'), BUCKET + '\n');
  // Written last and atomically: its presence means "ready".
  fs.writeFileSync(path.join(state, 'endpoint.tmp'), endpoint + '\n');
  fs.renameSync(path.join(state, 'endpoint.tmp'), path.join(state, 'endpoint'));
  const shutdown = async () => {
    try {
      await server.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

async function stop(state) {
  const pid = readPid(state);
  if (pid && alive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (alive(pid) && Date.now() < deadline) await sleep(50);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  fs.rmSync(state, { recursive: true, force: true });
}

async function start(state) {
  await stop(state); // a leftover from an interrupted run
  fs.mkdirSync(path.join(state, 'data'), { recursive: true });
  loadS3rver(); // fail here, with the hint, rather than in the detached child
  const log = fs.openSync(path.join(state, 'server.log'), 'a');
  // s3rver encrypts its continuation tokens with DES, which OpenSSL 3 only offers through the
  // legacy provider; without it every truncated listing fails with InternalError.
  const args = ['--openssl-legacy-provider', __filename, 'serve', state];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log] });
  fs.writeFileSync(path.join(state, 'pid'), String(child.pid) + '\n');
  child.unref();
  const deadline = Date.now() + START_TIMEOUT_MS;
  const endpointFile = path.join(state, 'endpoint');
  while (Date.now() < deadline) {
    if (fs.existsSync(endpointFile)) {
      const endpoint = fs.readFileSync(endpointFile, 'utf8').trim();
      // The bucket must answer (s3rver replies to anonymous requests).
      try {
        const res = await fetch(`${endpoint}/${BUCKET}?list-type=2&max-keys=1`);
        if (res.ok) {
          process.stdout.write(`s3rver ready at ${endpoint} (bucket ${BUCKET}, state ${state})\n`);
          return;
        }
      } catch (e) {
        // not listening yet
      }
    }
    if (!alive(child.pid)) break;
    await sleep(100);
  }
  let logText = '';
  try {
    logText = fs.readFileSync(path.join(state, 'server.log'), 'utf8');
  } catch (e) {
    // no log
  }
  process.stderr.write(`s3rver.js: server did not start within ${START_TIMEOUT_MS} ms\n${logText}`);
  await stop(state);
  process.exit(1);
}

async function main() {
  const [cmd, state] = process.argv.slice(2);
  if (!cmd || !state) usage();
  const dir = path.resolve(state);
  switch (cmd) {
    case 'start':
      return start(dir);
    case 'stop':
      return stop(dir);
    case 'serve':
      return serve(dir);
    default:
      return usage();
  }
}

main().catch(e => {
  process.stderr.write(`s3rver.js: ${e.stack || e}\n`);
  process.exit(1);
});
