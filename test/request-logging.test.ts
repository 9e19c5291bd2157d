/**
 * `npm start` logs start-up, warnings and errors by default, and one line per request only
 * at `debug` (LOG_LEVEL=debug): the app's logger, at each level, over a few requests.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { buildApp } from '../server/app.ts';
import { onTestEnd } from './helpers/cleanup.ts';
import { createTestDatabase } from './helpers/db.ts';

const { db } = await createTestDatabase();

const answered: number[] = [];

async function linesAt(level: string): Promise<{ msg: string; url?: string; statusCode?: number }[]> {
  answered.length = 0;
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const app = await buildApp({ db, logger: { level, stream } });
  onTestEnd(() => app.close());
  for (const url of ['/api/health', '/api/health', '/api/me'])
    answered.push((await app.inject({ method: 'GET', url })).statusCode);
  return lines.map((line) => JSON.parse(line));
}

test('at info, requests write nothing', async () => {
  assert.deepEqual(await linesAt('info'), []);
});

test('at debug, one line per request with method, url, status and time', async () => {
  const requests = (await linesAt('debug')).filter((line) => line.msg === 'request');
  assert.deepEqual(
    requests.map((line) => [line.url, line.statusCode]),
    [
      ['/api/health', answered[0]],
      ['/api/health', answered[1]],
      ['/api/me', 401],
    ],
  );
});
