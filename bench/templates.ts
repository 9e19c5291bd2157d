/**
 * Template rendering speed: renders/s of a typical 5-variable template (text with five
 * `{{…}}`, two of them filtered), on the fast renderer (what flows use) and through LiquidJS
 * alone (what a template with tags takes), and of a one-expression template with a date
 * filter in a time zone. Each for about a second. Writes bench/results/templates.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { render, renderWithLiquid, type TemplateContext } from '../engine/core/templates.ts';

const context: TemplateContext = {
  record: {
    firstName: 'Ada',
    lastName: 'Lovelace',
    company: 'Analytical Engines',
    amount: 1200,
    email: 'ada@example.com',
  },
  user: { email: 'owner@example.com' },
  steps: { n1: { output: { id: 'x9' } } },
  now: '2026-03-14T10:00:00.000Z',
};
const env = { timeZone: 'Europe/Paris', locale: 'fr-FR', dateFormat: '%d/%m/%Y', timeFormat: '%H:%M' };
const typical =
  'Hello {{record.firstName}} {{record.lastName | upper}} of {{record.company}}: your quote is {{record.amount | times: 1.2}}; reply to {{user.email}}';

function measure(label: string, fn: () => unknown, ms = Number(process.env.BENCH_MS ?? 1000)): number {
  for (let i = 0; i < 2000; i += 1) fn();
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    for (let i = 0; i < 1000; i += 1) fn();
    count += 1000;
  }
  const perSecond = Math.round(count / ((performance.now() - started) / 1000));
  console.log(`${label}: ${perSecond.toLocaleString('en-US')} renders/s`);
  return perSecond;
}

console.log(render(typical, context, env));
const result = {
  machine: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.availableParallelism()}`,
  node: process.version,
  loadAverageBefore: os.loadavg().map((n) => Math.round(n * 100) / 100),
  template: typical,
  typicalRendersPerSecond: measure('5-variable template', () => render(typical, context, env)),
  typicalLiquidOnlyRendersPerSecond: measure('same, LiquidJS alone', () =>
    renderWithLiquid(typical, context, env),
  ),
  dateRendersPerSecond: measure('{{ now | date: "%d %B %Y %H:%M" }}', () =>
    render('{{ now | date: "%d %B %Y %H:%M" }}', context, env),
  ),
  ifTagRendersPerSecond: measure('{% if %} template', () =>
    render('{% if record.amount > 1000 %}big {{ record.firstName }}{% else %}small{% endif %}', context, env),
  ),
};
const root = path.resolve(import.meta.dirname, '..');
await mkdir(path.join(root, 'bench/results'), { recursive: true });
await writeFile(path.join(root, 'bench/results/templates.json'), `${JSON.stringify(result, null, 2)}\n`);
