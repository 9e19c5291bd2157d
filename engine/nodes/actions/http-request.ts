import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { NonRetriableError, RetryAfterError } from '../../runtime/errors.ts';
import { servicesOf } from '../../runtime/services.ts';

const params = {
  type: 'object',
  properties: {
    method: {
      type: 'string',
      enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'],
      default: 'GET',
      title: 'Method',
    },
    url: {
      type: 'string',
      minLength: 1,
      maxLength: 4000,
      title: 'URL',
      description:
        'http or https; may be a template. Private, loopback and link-local targets are refused unless an administrator allow-lists them (httpAllowList setting).',
    },
    headers: {
      type: 'object',
      title: 'Headers',
      description: 'Header name → value; values may be templates',
      additionalProperties: { type: 'string', maxLength: 8000 },
      default: {},
    },
    body: {
      title: 'JSON body',
      description: 'Sent as JSON (templates inside are rendered); a string is sent as it is',
    },
    timeoutSeconds: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 60,
      default: 10,
      title: 'Timeout (seconds)',
    },
  },
  required: ['url'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: {
    status: { type: 'integer' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    body: { description: 'Parsed JSON when the response says it is JSON, else text' },
  },
  required: ['status', 'headers', 'body'],
  additionalProperties: false,
} as const;

/** Retry-After in seconds or as an HTTP date; a minute when absent or unreadable. */
function retryAfterMs(value: string | undefined, now: number): number {
  if (value && /^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(date) ? 60_000 : Math.max(0, date - now);
}

const excerpt = (body: unknown) => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text ? `: ${text.slice(0, 200)}` : '';
};

/**
 * X2FlowApiCall: a request whose response later steps use (`{{steps.<id>.output.body.id}}`).
 * A 4xx is the flow's to fix and fails at once; a 5xx or a network failure is retried; a
 * 429 comes back after its Retry-After.
 */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'http.request',
  title: 'HTTP request',
  category: 'Integrations',
  external: true,
  params,
  output,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000, maxDelayMs: 60_000 },
  // The request's own timeout (at most 60 s) fires first; this only bounds a stuck step.
  timeoutMs: 65_000,
  async run(ctx, input) {
    const method = input.method ?? 'GET';
    const answer = await servicesOf(ctx).http.request({
      method,
      url: input.url,
      headers: input.headers ?? {},
      body: input.body,
      timeoutMs: Math.round((input.timeoutSeconds ?? 10) * 1000),
      signal: ctx.signal,
    });
    const what = `${method} ${input.url.slice(0, 200)} answered ${answer.status}`;
    if (answer.status === 429) {
      throw new RetryAfterError(what, retryAfterMs(answer.headers['retry-after'], Date.now()));
    }
    if (answer.status >= 400 && answer.status < 500) {
      throw new NonRetriableError(`${what}${excerpt(answer.body)}`, { owner: 'user' });
    }
    if (answer.status >= 500) throw new Error(`${what}${excerpt(answer.body)}`);
    return answer;
  },
});
