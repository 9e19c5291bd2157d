/**
 * "Run with the sample record": a code step's source run in the sandbox on one record, as
 * the code editor asks, before anything is saved or published. The record is read with the
 * caller's rights; the code gets the record, its linked records as the caller may see them,
 * the caller as `user`, and empty `vars` and
 * `steps` (earlier steps do not run here: a test run of the flow does that).
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { schemaErrors } from '../../engine/core/json-schema.ts';
import type { CodeResult } from '../../engine/sandbox/protocol.ts';
import type { codeRunBody } from '../../schemas/flows-api.ts';
import type { Db } from '../db/index.ts';
import type { Principal } from '../platform/authz.ts';
import { invalid } from '../platform/errors.ts';
import { getRecord } from '../records/records.ts';
import { linkedRecords, runCodeStep } from './code-sandbox.ts';
import { userProfiles } from './run-data.ts';

export type CodeTry = CodeResult & { schemaErrors?: Array<{ path: string; message: string }> };

export async function tryCode(
  db: Db,
  principal: Principal,
  body: FromSchema<typeof codeRunBody>,
): Promise<CodeTry> {
  const record = await getRecord(db, principal, body.module, body.recordId);
  const profiles = await userProfiles(db, [principal.id]);
  if (body.outputSchema) {
    try {
      schemaErrors(body.outputSchema as JSONSchema, null);
    } catch (error) {
      throw invalid('outputSchema', `is not a valid JSON Schema: ${(error as Error).message}`);
    }
  }
  const current = { ...record, module: body.module };
  const result = await runCodeStep(db, {
    source: body.source,
    language: body.language ?? 'ts',
    input: {
      record: current,
      // As the caller sees them.
      linked: await linkedRecords(db, current, principal),
      previous: null,
      trigger: { module: body.module, recordId: body.recordId },
      user: profiles.get(principal.id) ?? { id: principal.id },
      vars: {},
      steps: {},
    },
    now: Date.now(),
    ...(body.timeLimitMs !== undefined && { timeLimitMs: body.timeLimitMs }),
  });
  if (!result.ok || !body.outputSchema) return result;
  const errors = schemaErrors(body.outputSchema as JSONSchema, result.output);
  return errors.length > 0 ? { ...result, schemaErrors: errors } : result;
}
