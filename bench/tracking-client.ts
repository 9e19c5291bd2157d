/**
 * The load of `bench:campaigns`' tracking phase, in a process of its own so that the
 * server's CPU time is the server's: `concurrency` keep-alive connections request the
 * paths in turn for `seconds`, each connection sending its next request once the answer to
 * the last one has arrived (no pipelining). Reads its job from the JSON file named on the
 * command line; prints `{ latencies, errors, ms, firstError, cpuMicrosPerRequest }` as JSON
 * (its own CPU time: on this machine the client shares the cores with Weft and PostgreSQL).
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';

const job = JSON.parse(await readFile(process.argv[2] as string, 'utf8')) as {
  base: string;
  paths: string[];
  seconds: number;
  concurrency: number;
};
const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
const latencies: number[] = [];
let errors = 0;
let firstError: string | null = null;
let next = 0;

const get = (url: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    http
      .get(url, { agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      })
      .on('error', reject);
  });

const cpuBefore = process.cpuUsage();
const started = performance.now();
const deadline = started + job.seconds * 1000;
await Promise.all(
  Array.from({ length: job.concurrency }, async () => {
    while (performance.now() < deadline) {
      const target = job.paths[next++ % job.paths.length] as string;
      const t0 = performance.now();
      const answer = await get(`${job.base}${target}`);
      latencies.push(performance.now() - t0);
      // A click answers 302 (not followed).
      if (answer.status !== 200 && answer.status !== 302) {
        errors++;
        firstError ??= `${target} answered ${answer.status} ${answer.body.slice(0, 300)}`;
      }
    }
  }),
);
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
agent.destroy();
const cpuMicrosPerRequest = Math.round((cpu.user + cpu.system) / Math.max(1, latencies.length));
process.stdout.write(JSON.stringify({ latencies, errors, ms, firstError, cpuMicrosPerRequest }));
