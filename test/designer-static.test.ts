import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import Fastify from 'fastify';
import { designerPlugin } from '../server/plugins/designer.ts';

const built = await mkdtemp(path.join(tmpdir(), 'weft-dist-'));
const empty = await mkdtemp(path.join(tmpdir(), 'weft-dist-'));
await mkdir(path.join(built, 'assets'));
await writeFile(path.join(built, 'index.html'), '<!doctype html><title>Weft</title>');
await writeFile(path.join(built, 'assets/app-1234.js'), 'console.log(1)');
after(() => Promise.all([rm(built, { recursive: true }), rm(empty, { recursive: true })]));

async function appOn(root: string) {
  const app = Fastify();
  await app.register(designerPlugin, { root });
  after(() => app.close());
  return app;
}

test('the SPA: index.html for its own paths, hashed assets cached for good, /api and missing assets 404', async () => {
  const app = await appOn(built);
  const cases: [string, number, string | RegExp, string | RegExp | undefined][] = [
    ['/', 200, /<title>Weft/, 'no-cache'],
    ['/flows/0f2c', 200, /<title>Weft/, 'no-cache'],
    ['/flows?q=x', 200, /<title>Weft/, 'no-cache'],
    ['/assets/app-1234.js', 200, 'console.log(1)', /immutable/],
    ['/assets/missing.js', 404, /not found/, undefined],
    ['/assets/../../../etc/passwd', 200, /<title>Weft/, 'no-cache'],
    ['/api/nope', 404, /not found/, undefined],
    ['/%E0%A4%A', 400, /./, undefined], // Fastify refuses a malformed path before the route
  ];
  for (const [url, status, body, cache] of cases) {
    const response = await app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, status, url);
    assert.match(
      response.body,
      typeof body === 'string' ? new RegExp(body.replace(/[.()]/g, '\\$&')) : body,
      url,
    );
    if (cache)
      assert.match(
        String(response.headers['cache-control']),
        typeof cache === 'string' ? new RegExp(cache) : cache,
        url,
      );
  }
});

test('without a build, / says how to build the designer', async () => {
  const app = await appOn(empty);
  const response = await app.inject({ method: 'GET', url: '/' });
  assert.equal(response.statusCode, 200);
  assert.match(response.headers['content-type'] as string, /text\/plain/);
  assert.match(response.body, /npm run build/);
});
