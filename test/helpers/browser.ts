/**
 * A real Chromium (Debian's, at /usr/bin/chromium; `.ci/run` installs it) driven by
 * playwright-core, and the designer built when designer/dist is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { designerDist } from '../../server/plugins/designer.ts';

export const chromiumPath = process.env.WEFT_CHROMIUM ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function ensureDesignerBuilt(): void {
  if (existsSync(path.join(designerDist, 'index.html'))) return;
  const root = path.resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', 'designer'], {
    cwd: root,
    stdio: 'inherit',
  });
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
}
