import { sql } from 'kysely';
import type { WebhookMapping } from '../../engine/nodes/triggers/webhook.ts';
import type { Db } from '../db/index.ts';
import type { Actor } from '../platform/audit.ts';
import type { Principal } from '../platform/authz.ts';
import { WeftError } from '../platform/errors.ts';
import { listRecords } from '../records/record-list.ts';
import { createRecord, updateRecord } from '../records/records.ts';

const unsafe = new Set(['__proto__', 'prototype', 'constructor']);

/** The value at a dotted path of a JSON body (`data.object.email`, `items.0.sku`), or undefined. */
export function valueAt(body: unknown, path: string): unknown {
  let value: unknown = body;
  for (const part of path.split('.')) {
    if (unsafe.has(part) || value === null || typeof value !== 'object') return undefined;
    if (!Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export type MappingOutcome =
  | { action: 'created' | 'updated'; module: string; recordId: string }
  | { action: 'skipped'; module: string; recordId?: string; reason: string }
  | { action: 'failed'; module: string; error: string };

/**
 * Writes the record a webhook flow maps its deliveries onto, as the flow's owner, inside the
 * delivery's transaction behind a savepoint: a delivery whose values a module refuses is still
 * stored (and can be replayed once the mapping is fixed), with the reason.
 */
export async function applyMapping(
  trx: Db,
  owner: { principal: Principal; actor: Actor },
  mapping: WebhookMapping,
  body: unknown,
): Promise<MappingOutcome> {
  const { module } = mapping;
  const values: Record<string, unknown> = {};
  for (const [field, path] of Object.entries(mapping.fields)) {
    const value = valueAt(body, path);
    if (value !== undefined) values[field] = value;
  }
  await sql`savepoint weft_webhook_mapping`.execute(trx);
  try {
    const outcome = await write(trx, owner, mapping, values);
    await sql`release savepoint weft_webhook_mapping`.execute(trx);
    return outcome;
  } catch (error) {
    await sql`rollback to savepoint weft_webhook_mapping`.execute(trx);
    if (!(error instanceof WeftError)) throw error;
    const details = Array.isArray(error.details)
      ? (error.details as { field: string; reason: string }[])
          .map((problem) => `${problem.field} ${problem.reason}`)
          .join('; ')
      : '';
    return { action: 'failed', module, error: details || error.message };
  }
}

async function write(
  trx: Db,
  { principal, actor }: { principal: Principal; actor: Actor },
  mapping: WebhookMapping,
  values: Record<string, unknown>,
): Promise<MappingOutcome> {
  const { module, matchField } = mapping;
  const key = matchField === undefined ? undefined : values[matchField];
  if (matchField !== undefined && (key === undefined || key === null || key === ''))
    return { action: 'failed', module, error: `the payload has no value for ${matchField}` };
  const existing =
    matchField === undefined
      ? undefined
      : (
          await listRecords(trx, principal, module, {
            limit: 1,
            sort: 'createdAt',
            columns: 'id',
            where: JSON.stringify({ '==': [{ var: matchField }, key] }),
          })
        ).items[0];
  if (existing) {
    const recordId = String(existing.id);
    if ((mapping.onMatch ?? 'update') === 'skip')
      return { action: 'skipped', module, recordId, reason: `a record with this ${matchField} exists` };
    await updateRecord(trx, principal, actor, module, recordId, values, { display: false });
    return { action: 'updated', module, recordId };
  }
  if ((mapping.onNoMatch ?? 'create') === 'skip')
    return { action: 'skipped', module, reason: 'no record matches' };
  const created = await createRecord(trx, principal, actor, module, values, { display: false });
  return { action: 'created', module, recordId: String(created.id) };
}
