import type { ActionDefinition, ActionRunContext } from '../core/node-types.ts';

/**
 * Runs an action with its timeout: the action's signal aborts when the node's time is up,
 * and the step fails then even if the action ignores the signal.
 */
export async function runAction(
  definition: ActionDefinition,
  context: Omit<ActionRunContext, 'signal'>,
  params: unknown,
): Promise<unknown> {
  const controller = new AbortController();
  const timeout = definition.timeoutMs
    ? setTimeout(() => controller.abort(), definition.timeoutMs)
    : undefined;
  try {
    const running = definition.run({ ...context, signal: controller.signal }, params);
    if (!timeout) return await running;
    const aborted = new Promise<never>((_, reject) =>
      controller.signal.addEventListener('abort', () =>
        reject(new Error(`timed out after ${definition.timeoutMs} ms`)),
      ),
    );
    return await Promise.race([running, aborted]);
  } finally {
    clearTimeout(timeout);
  }
}
