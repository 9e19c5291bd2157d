import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

/**
 * The Node options `npm start` runs Weft with (package.json's start script: the flags between
 * `node` and `server/main.ts`, e.g. `--max-semi-space-size=2`), so that a bench starting
 * `server/main.ts` itself measures Weft as `npm start` runs it.
 */
export function startNodeOptions(): string[] {
  const { scripts } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const words = scripts.start.split(/\s+/);
  const entry = words.indexOf('server/main.ts');
  if (words[0] !== 'node' || entry < 0) throw new Error(`unexpected start script: ${scripts.start}`);
  return words.slice(1, entry);
}
