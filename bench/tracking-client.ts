/**
 * The load of `bench:campaigns`' tracking phase, in a process of its own so that the
 * server's CPU time is the server's: `concurrency` keep-alive HTTP/1.1 connections request
 * the paths in turn for `seconds`, each connection sending its next request once the answer
 * to the last one has arrived (no pipelining). Reads its job from the JSON file named on the
 * command line; prints `{ latencies, errors, ms, firstError, cpuMicrosPerRequest }` as JSON
 * (its own CPU time: on this machine the client shares the cores with Weft and PostgreSQL).
 *
 * Plain sockets with a minimal HTTP/1.1 client (a request line, and an answer read up to the
 * end of its headers and its Content-Length): node:http's client cost about as much CPU per
 * request as the server it measured, CPU the server then did not have on a 2-core machine.
 * An answer it cannot read (no Content-Length, a closed connection) is counted as an error.
 */
import { readFile } from 'node:fs/promises';
import net from 'node:net';

const job = JSON.parse(await readFile(process.argv[2] as string, 'utf8')) as {
  base: string;
  paths: string[];
  seconds: number;
  concurrency: number;
};
const target = new URL(job.base);
const host = target.host;
const latencies: number[] = [];
let errors = 0;
let firstError: string | null = null;
let next = 0;
const headerEnd = Buffer.from('\r\n\r\n');

/** One keep-alive connection: `get` sends a request and resolves with the answer's status and body. */
function connection() {
  const socket = net.connect({ host: target.hostname, port: Number(target.port) });
  socket.setNoDelay(true);
  let pending: Buffer = Buffer.alloc(0);
  let waiting: {
    resolve: (answer: { status: number; body: string }) => void;
    reject: (error: Error) => void;
  } | null = null;
  const fail = (error: Error) => {
    const current = waiting;
    waiting = null;
    current?.reject(error);
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('connection closed')));
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const end = pending.indexOf(headerEnd);
    if (end < 0) return;
    const head = pending.subarray(0, end).toString('latin1');
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) {
      fail(new Error(`an answer without Content-Length: ${head.slice(0, 200)}`));
      return;
    }
    const total = end + 4 + Number(length[1]);
    if (pending.length < total) return;
    const body = pending.subarray(end + 4, total).toString();
    pending = pending.subarray(total);
    const current = waiting;
    waiting = null;
    current?.resolve({ status: Number(head.slice(9, 12)), body });
  });
  return {
    get: (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        waiting = { resolve, reject };
        socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n\r\n`);
      }),
    close: () => socket.destroy(),
  };
}

const connections = Array.from({ length: job.concurrency }, connection);
const cpuBefore = process.cpuUsage();
const started = performance.now();
const deadline = started + job.seconds * 1000;
await Promise.all(
  connections.map(async (client) => {
    while (performance.now() < deadline) {
      const path = job.paths[next++ % job.paths.length] as string;
      const t0 = performance.now();
      const answer = await client.get(path);
      latencies.push(performance.now() - t0);
      // A click answers 302 (not followed).
      if (answer.status !== 200 && answer.status !== 302) {
        errors++;
        firstError ??= `${path} answered ${answer.status} ${answer.body.slice(0, 300)}`;
      }
    }
  }),
);
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
for (const client of connections) client.close();
const cpuMicrosPerRequest = Math.round((cpu.user + cpu.system) / Math.max(1, latencies.length));
process.stdout.write(JSON.stringify({ latencies, errors, ms, firstError, cpuMicrosPerRequest }));
