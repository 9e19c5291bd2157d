/**
 * The designer on a 500-node flow, in Chromium: time to render every node and to
 * interactive (no long task for 300 ms), frame rate while panning, and the gzipped size of
 * the JavaScript the first page loads (Monaco and the params forms are lazy chunks).
 * Starts `npm start` (server/main.ts) on a fresh data directory. Writes bench/results/designer.json.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Flow } from '../schemas/flow.ts';
import { designerDist } from '../server/plugins/designer.ts';
import { ensureDesignerBuilt, launchChromium } from '../test/helpers/browser.ts';

const root = path.resolve(import.meta.dirname, '..');
const nodeCount = 500;
const password = 'bench-password';

/** A chain of feed posts laid out as a snake over a 20-column grid. */
function bigFlow(): Flow {
  const columns = 20;
  const nodes = Array.from({ length: nodeCount }, (_, i) => {
    const row = Math.floor(i / columns);
    const column = row % 2 === 0 ? i % columns : columns - 1 - (i % columns);
    return {
      id: `n${i}`,
      type: 'feed.post',
      params: { text: `step ${i}` },
      position: { x: column * 300, y: 150 + row * 140 },
    };
  });
  const edges = nodes.map((node, i) => ({ source: i === 0 ? 'trigger' : `n${i - 1}`, target: node.id }));
  return {
    name: 'Bench: 500 nodes',
    trigger: { type: 'trigger.recordCreated', params: { module: 'contacts' }, position: { x: 0, y: 0 } },
    nodes,
    edges,
  };
}

async function initialBundleGzipKB(): Promise<{ js: number; css: number }> {
  const html = await readFile(path.join(designerDist, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1] as string);
  const size = async (ext: string) => {
    let total = 0;
    for (const file of files.filter((f) => f.endsWith(ext)))
      total += gzipSync(await readFile(path.join(designerDist, file))).length;
    return Math.round((total / 1024) * 10) / 10;
  };
  return { js: await size('.js'), css: await size('.css') };
}

async function startServer(dataDir: string) {
  const child = spawn(process.execPath, ['server/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'warn',
      WEFT_DATA_DIR: dataDir,
      WEFT_ADMIN_PASSWORD: password,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Weft is running at (\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  return {
    url,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Runs in the page before its scripts: records when every node has been drawn once (React
 * Flow draws them all to measure them, then keeps only those in view) and the long tasks after.
 */
function probe(expected: number) {
  const w = window as unknown as { weftBench: { render?: number; longTaskEnds: number[] } };
  w.weftBench = { longTaskEnds: [] };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) w.weftBench.longTaskEnds.push(entry.startTime + entry.duration);
  }).observe({ type: 'longtask', buffered: true });
  const check = () => {
    if (document.querySelectorAll('.react-flow__node').length >= expected)
      w.weftBench.render = performance.now();
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}

ensureDesignerBuilt();
const dataDir = await mkdtemp(path.join(tmpdir(), 'weft-bench-'));
await chmod(dataDir, 0o755);
const server = await startServer(dataDir);
const browser = await launchChromium();
try {
  const login = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const created = await fetch(`${server.url}/api/flows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: 'Bench: 500 nodes', definition: bigFlow() }),
  });
  if (created.status !== 201) throw new Error(`creating the flow: ${created.status} ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };

  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const [name, value] = cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: server.url }]);
  await context.addInitScript((token) => localStorage.setItem('weft.csrf', token), csrfToken);
  const page = await context.newPage();
  await page.addInitScript(probe, nodeCount + 1);
  await page.goto(`${server.url}/flows/${id}`);
  await page.waitForFunction(
    () => (window as unknown as { weftBench: { render?: number } }).weftBench.render,
    null,
    {
      timeout: 60_000,
      polling: 50,
    },
  );
  // Interactive: the end of the last long task once 300 ms pass without one.
  const timings = await page.evaluate(async () => {
    const bench = (window as unknown as { weftBench: { render: number; longTaskEnds: number[] } }).weftBench;
    for (;;) {
      const last = Math.max(bench.render, ...bench.longTaskEnds);
      if (performance.now() - last >= 300) return { render: bench.render, interactive: last };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  /** Frames per second while dragging the canvas around a figure of eight for 120 moves. */
  const panFps = async () => {
    const pane = await page.locator('.react-flow__pane').boundingBox();
    if (!pane) throw new Error('no canvas');
    await page.evaluate(() => {
      const w = window as unknown as { frames: number; counting: boolean };
      w.frames = 0;
      w.counting = true;
      const tick = () => {
        w.frames += 1;
        if (w.counting) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const started = performance.now();
    const cx = pane.x + pane.width / 2;
    const cy = pane.y + pane.height / 2;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let i = 0; i < 120; i += 1) {
      const angle = (i / 120) * Math.PI * 4;
      await page.mouse.move(cx + Math.cos(angle) * 250, cy + Math.sin(angle) * 150);
    }
    await page.mouse.up();
    const seconds = (performance.now() - started) / 1000;
    const frames = await page.evaluate(() => {
      const w = window as unknown as { frames: number; counting: boolean };
      w.counting = false;
      return w.frames;
    });
    return Math.round((frames / seconds) * 10) / 10;
  };
  const drawnAfterOpen = await page.locator('.react-flow__node').count();
  const openFps = await panFps();

  // Zoom to fit (Shift+F): every node in view and drawn, the worst case for the next pan.
  await page.keyboard.press('Shift+F');
  await page.waitForFunction(
    (n) => document.querySelectorAll('.react-flow__node').length >= n,
    nodeCount + 1,
  );
  const fittedFps = await panFps();

  const bundle = await initialBundleGzipKB();
  const result = {
    nodes: nodeCount,
    render500Ms: Math.round(timings.render),
    interactive500Ms: Math.round(timings.interactive),
    panFps: openFps,
    nodesDrawnAfterOpen: drawnAfterOpen,
    panFpsFitted: fittedFps,
    initialBundleGzipKB: bundle.js,
    initialCssGzipKB: bundle.css,
    browser: `Chromium ${browser.version()} (headless, --disable-gpu)`,
    node: process.version,
  };
  console.log(
    `500 nodes: drawn in ${result.render500Ms} ms, interactive in ${result.interactive500Ms} ms; panning at ${result.panFps} fps (${drawnAfterOpen} nodes in view; ${fittedFps} fps with all 500 fitted); initial JS ${result.initialBundleGzipKB} KB gzipped (+${result.initialCssGzipKB} KB CSS)`,
  );
  await mkdir(path.join(root, 'bench/results'), { recursive: true });
  await writeFile(path.join(root, 'bench/results/designer.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await browser.close();
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}
