import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { schemaErrors } from '../../core/json-schema.ts';
import { defineAction } from '../../core/node-types.ts';
import { NonRetriableError } from '../../runtime/errors.ts';
import { servicesOf } from '../../runtime/services.ts';
import { currentRecord } from './current-record.ts';

const params = {
  type: 'object',
  properties: {
    language: {
      type: 'string',
      enum: ['ts', 'js'],
      default: 'ts',
      title: 'Language',
      description:
        'TypeScript (its types are checked in the editor and stripped before running) or JavaScript',
    },
    source: {
      type: 'string',
      maxLength: 100_000,
      title: 'Code',
      description:
        'The body of a function: record, linked (the records its link fields lead to, read-only), previous, trigger, user, vars and steps are at hand; what it returns is the output',
    },
    outputSchema: {
      type: 'object',
      title: 'Output schema',
      description:
        'A JSON Schema of what the code returns; the output is checked against it, and so are later steps’ {{steps.<id>.output.result…}}',
    },
    timeLimitMs: {
      type: 'integer',
      minimum: 10,
      maximum: 60_000,
      title: 'Time limit (ms)',
      description: 'Default 1000; the administrator’s maximum applies',
    },
    applyToRecord: {
      type: 'boolean',
      default: false,
      title: 'Write the result to the record',
      description: 'The code returns field → value; those fields of the current record are updated',
    },
  },
  required: ['source'],
  additionalProperties: false,
} as const;

const logLine = {
  type: 'object',
  properties: { level: { type: 'string' }, text: { type: 'string' } },
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: {
    result: { description: 'What the code returned' },
    logs: { type: 'array', items: logLine, description: 'console.log lines' },
    record: { type: 'object', description: 'With “write the result to the record”: the record as written' },
  },
  additionalProperties: false,
} as const;

type Params = FromSchema<typeof params>;

/** Problems with a declared output schema: one ajv cannot compile is a publish problem. */
function outputSchemaProblems(value: unknown): Array<{ path: string; message: string }> {
  const { outputSchema } = (value ?? {}) as Params;
  if (outputSchema === undefined) return [];
  try {
    schemaErrors(outputSchema as JSONSchema, null);
    return [];
  } catch (error) {
    return [{ path: '/outputSchema', message: `not a valid JSON Schema: ${(error as Error).message}` }];
  }
}

/**
 * Runs the author's JavaScript or TypeScript in the QuickJS sandbox (engine/sandbox, via
 * the services' pool): the run's data in, JSON out, checked against the declared schema.
 */
export default defineAction<Params, FromSchema<typeof output>>({
  type: 'code.run',
  title: 'Run code',
  category: 'Data',
  description: 'JavaScript or TypeScript in a sandbox: compute, format and transform the run’s data',
  params,
  output,
  rawParams: ['source', 'outputSchema'],
  outputOf(value) {
    const declared = (value as Params | undefined)?.outputSchema as JSONSchema | undefined;
    return { ...output, properties: { ...output.properties, result: declared ?? {} } } as JSONSchema;
  },
  paramProblems: outputSchemaProblems,
  updatesRecord: true,
  async run(ctx, input) {
    const data = ctx.data;
    if (!data) throw new NonRetriableError('code.run needs the run’s data', { owner: 'system' });
    const answer = await servicesOf(ctx).code.run({
      source: input.source,
      language: input.language ?? 'ts',
      input: {
        record: data.record,
        previous: data.previous,
        trigger: data.trigger,
        user: data.user,
        vars: data.vars,
        steps: data.steps,
      },
      now: Date.parse(data.now),
      ...(input.timeLimitMs !== undefined && { timeLimitMs: input.timeLimitMs }),
    });
    if (!answer.ok) {
      const { line, column, kind, message } = answer.error;
      const where =
        line === undefined ? '' : ` (line ${line}${column === undefined ? '' : `, column ${column}`})`;
      throw new NonRetriableError(`${message}${where}`, {
        owner: kind === 'crash' ? 'system' : 'user',
        details: {
          kind,
          ...(line !== undefined && { line }),
          ...(column !== undefined && { column }),
          logs: answer.logs,
        },
      });
    }
    const result = answer.output;
    if (input.outputSchema) {
      const errors = schemaErrors(input.outputSchema as JSONSchema, result);
      if (errors.length > 0) {
        const first = errors[0] as { path: string; message: string };
        throw new NonRetriableError(
          `the code’s result does not match its output schema: ${first.path || 'the result'} ${first.message}`,
          { details: { kind: 'output', errors, logs: answer.logs } },
        );
      }
    }
    if (!input.applyToRecord) return { result, logs: answer.logs };
    if (result === null || typeof result !== 'object' || Array.isArray(result))
      throw new NonRetriableError('to write the result to the record, the code must return field → value');
    const { module, id } = currentRecord(ctx.record);
    const record = await servicesOf(ctx).records.update(module, id, result as Record<string, unknown>);
    return { result, logs: answer.logs, record };
  },
});
