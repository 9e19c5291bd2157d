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
import { loadPrincipal, type Principal } from '../platform/authz.ts';
import { SettingsService } from '../platform/settings.ts';
import { hiddenFields, redact } from '../records/field-access.ts';
import { findModule } from '../studio/modules.ts';
import { loadLinks } from './run-data.ts';

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

/**
 * The current record's linked records for a code step's `linked`: the record each link
 * field leads to and the profile each assignment names, by field name (null: the link
 * leads nowhere any more), read in one batch (`loadLinks`: one query per linked module).
 * As `viewer` sees them: a link field hidden from the viewer's roles is left out, and so
 * are the linked record's hidden fields (field permissions; an administrator sees all).
 */
export async function linkedRecords(
  db: Db,
  record: unknown,
  viewer: Principal | null,
): Promise<Record<string, Record<string, unknown> | null>> {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return {};
  const values = record as Record<string, unknown>;
  if (typeof values.module !== 'string') return {};
  const module = await findModule(db, values.module);
  if (!module) return {};
  const hidden = viewer ? hiddenFields(viewer, module.name) : new Set<string>();
  const paths = module.fields
    .filter((field) => (field.type === 'link' || field.type === 'assignment') && !hidden.has(field.name))
    .map((field) => field.name);
  const loaded = await loadLinks(db, values, paths);
  const linked: Record<string, Record<string, unknown> | null> = {};
  for (const [name, target] of Object.entries(loaded)) {
    const targetModule = target && typeof target.module === 'string' ? target.module : null;
    // A profile (an assignment) carries no module: it is the same for every reader.
    linked[name] = target && viewer && targetModule ? redact(viewer, targetModule, target) : target;
  }
  return linked;
}

/**
 * Runs a code step in the pool. Unless the request brings its own `linked`, the current
 * record's linked records are loaded (as `viewer`, by id, sees them: the flow's owner) when
 * the source names `linked` at all.
 */
export async function runCodeStep(
  db: Db,
  request: CodeRequest,
  options: { viewerId?: string | null } = {},
): Promise<CodeResult> {
  const { codeStepMaxTimeMs } = await engineSettings(db);
  const timeMs = Math.min(request.timeLimitMs ?? defaultCodeTimeMs, codeStepMaxTimeMs);
  // Code that never names `linked` does not pay for reading the links (the bench's plain code
  // step stays as fast): it gets an empty one.
  const input =
    'linked' in request.input
      ? request.input
      : !/\blinked\b/.test(request.source)
        ? { ...request.input, linked: {} }
        : {
            ...request.input,
            linked: await linkedRecords(
              db,
              request.input.record,
              options.viewerId ? ((await loadPrincipal(db, options.viewerId)) ?? null) : null,
            ),
          };
  return sandboxPool().run({
    source: request.source,
    language: request.language,
    input,
    now: request.now,
    limits: { timeMs },
  });
}
