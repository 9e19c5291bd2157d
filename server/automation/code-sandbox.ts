/**
 * The process's sandbox pool for code steps (engine/sandbox), started at the first code
 * step, and the workspace settings the engine reads on every step (the code time limit,
 * the template formats), cached for a few seconds rather than read per step.
 */
import type { TemplateSettings } from '../../engine/runtime/runtime-core.ts';
import type { CodeRequest } from '../../engine/runtime/services.ts';
import { createSandboxPool, type SandboxPool } from '../../engine/sandbox/pool.ts';
import type { CodeResult } from '../../engine/sandbox/protocol.ts';
import type { Settings } from '../../schemas/settings.ts';
import type { Db } from '../db/index.ts';
import { SettingsService } from '../platform/settings.ts';

let pool: SandboxPool | undefined;

export function sandboxPool(): SandboxPool {
  pool ??= createSandboxPool();
  return pool;
}

export async function closeSandboxPool(): Promise<void> {
  const closing = pool;
  pool = undefined;
  await closing?.close();
}

const ttlMs = 5000;
let cached: { value: Settings; at: number } | undefined;

/** Settings as of a few seconds ago (the engine's reads; a change applies within the TTL). */
export async function engineSettings(db: Db): Promise<Settings> {
  if (cached && Date.now() - cached.at < ttlMs) return cached.value;
  const value = await new SettingsService(db).get();
  cached = { value, at: Date.now() };
  return value;
}

/** The cached settings as template formats, for the runtime's synchronous read. */
export function templateSettingsOf(settings: Settings | undefined): TemplateSettings | undefined {
  if (!settings) return undefined;
  return {
    timeZone: settings.timeZone,
    formats: {
      locale: settings.locale,
      dateFormat: settings.dateFormat,
      timeFormat: settings.timeFormat,
      ...(settings.appUrl ? { appUrl: settings.appUrl } : {}),
    },
  };
}

/** Keeps the template settings current for the runtime, which reads them synchronously. */
export function watchTemplateSettings(
  db: Db,
  onError: (error: unknown) => void,
): () => TemplateSettings | undefined {
  let current: TemplateSettings | undefined;
  const refresh = () =>
    engineSettings(db).then(
      (settings) => {
        current = templateSettingsOf(settings);
      },
      (error: unknown) => {
        // The pool closed (the process is stopping): nothing left to keep current.
        if (/destroyed/.test(String((error as Error | null)?.message))) clearInterval(timer);
        else onError(error);
      },
    );
  void refresh();
  const timer = setInterval(refresh, ttlMs);
  timer.unref();
  return () => current;
}

export const defaultCodeTimeMs = 1000;

export async function runCodeStep(db: Db, request: CodeRequest): Promise<CodeResult> {
  const { codeStepMaxTimeMs } = await engineSettings(db);
  const timeMs = Math.min(request.timeLimitMs ?? defaultCodeTimeMs, codeStepMaxTimeMs);
  return sandboxPool().run({
    source: request.source,
    language: request.language,
    input: request.input,
    now: request.now,
    limits: { timeMs },
  });
}
