import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export interface WeftProcess {
  child: ChildProcess;
  url: string;
  /** Everything it printed so far, stdout and stderr. */
  output: () => string;
}

/**
 * Runs `npm start`'s entry point (`server/main.ts`) as a real process on a free port and
 * resolves once it prints the URL it serves (or, in worker mode, that it runs).
 */
export async function startWeftProcess(
  env: Record<string, string>,
  nodeOptions: string[] = [],
): Promise<WeftProcess> {
  const child = spawn(process.execPath, [...nodeOptions, 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // A worker (WEFT_MODE=worker) serves no HTTP: its url is empty.
      const match = /Weft is running at (http:\/\/\S+)|Weft worker is running/.exec(output);
      if (match) resolve(match[1] ?? '');
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`Weft exited with ${code} before serving:\n${output}`)));
  });
  return { child, url, output: () => output };
}

/** Sends the signal and waits for the exit; answers the exit code (null when killed by a signal). */
export async function stopWeftProcess(weft: WeftProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (weft.child.exitCode !== null || weft.child.signalCode !== null) return weft.child.exitCode;
  const exited = once(weft.child, 'exit');
  weft.child.kill(signal);
  const [code] = await exited;
  return code as number | null;
}
