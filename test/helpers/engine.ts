import assert from 'node:assert/strict';
import type { Flow } from '../../schemas/flow.ts';
import { startEngineWorkers } from '../../server/automation/engine.ts';
import { createTestApp, login, type Session } from './app.ts';
import { onTestEnd } from './cleanup.ts';

/** Waits for a condition the engine makes true, up to a deadline; never a fixed sleep. */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  what: string,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export type StepSpec = [id: string, type: string, params: Record<string, unknown>];

/** A flow whose steps run one after the other. */
export function straightFlow(name: string, trigger: Flow['trigger'], steps: StepSpec[]): Flow {
  const ids = ['trigger', ...steps.map(([id]) => id)];
  return {
    name,
    trigger,
    nodes: steps.map(([id, type, params], i) => ({ id, type, params, position: { x: 0, y: (i + 1) * 100 } })),
    edges: ids.slice(1).map((target, i) => ({ source: ids[i] as string, target })),
  };
}

export interface StepView {
  nodeId: string;
  status: string;
  attempt: number;
  output: Record<string, unknown> | null;
  error: { message: string; owner: string; retriable: boolean } | null;
}

export interface RunView {
  id: string;
  status: string;
  steps: StepView[];
}

/**
 * An app with a queue and the engine's workers, and the calls end-to-end engine tests
 * make: publish a flow, run it by hand on records, wait for its runs.
 */
export async function engineTestApp() {
  const { app, db, url } = await createTestApp({ queue: true });
  const admin: Session = await login(app);
  const runtime = app.runtime;
  assert.ok(runtime);
  const workers = await startEngineWorkers({
    db,
    boss: app.boss as NonNullable<typeof app.boss>,
    runtime,
    settings: app.settings,
    connectionString: url,
    pollMs: 200,
    onError: (error) => console.error(error),
  });
  onTestEnd(() => workers.stop());

  async function publish(definition: Flow): Promise<string> {
    const created = await admin.request('POST', '/api/flows', { name: definition.name, definition });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id as string;
    const published = await admin.request('POST', `/api/flows/${id}/publish`);
    assert.equal(published.statusCode, 200, published.body);
    assert.equal((await admin.request('POST', `/api/flows/${id}/activate`)).statusCode, 200);
    return id;
  }

  async function finished(runId: string): Promise<RunView> {
    return eventually(async () => {
      const run = (await admin.request('GET', `/api/runs/${runId}`)).json() as RunView;
      return ['succeeded', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
    }, `run ${runId} to finish`);
  }

  /** Runs a published manual flow on one record and returns the finished run. */
  async function runOn(flowId: string, recordId: string): Promise<RunView> {
    const started = await admin.request('POST', `/api/flows/${flowId}/run`, { recordIds: [recordId] });
    assert.equal(started.statusCode, 202, started.body);
    const [runId] = started.json().runIds as string[];
    assert.ok(runId);
    return finished(runId);
  }

  async function create(module: string, values: Record<string, unknown>): Promise<Record<string, unknown>> {
    const response = await admin.request('POST', `/api/records/${module}`, values);
    assert.equal(response.statusCode, 201, response.body);
    return response.json();
  }

  return { app, db, admin, workers, publish, finished, runOn, create };
}
