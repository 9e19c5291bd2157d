import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { catalogue, type ErrorKind, type FieldProblem, WeftError } from '../platform/errors.ts';

/** Turns ajv's errors into `{field, reason}` pairs a person can act on. */
export function fieldProblems(errors: Partial<ErrorObject>[], part: string): FieldProblem[] {
  const problems = errors.map((error) => fieldProblem(error, part));
  // A union's missing tag is reported by `required` and by `discriminator` alike: once is enough.
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.field}\u0000${problem.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function fieldProblem(error: Partial<ErrorObject>, part: string): FieldProblem {
  const path = (error.instancePath ?? '').split('/').filter(Boolean).join('.');
  const params = (error.params ?? {}) as Record<string, unknown>;
  if (error.keyword === 'required') {
    return { field: [path, params.missingProperty].filter(Boolean).join('.'), reason: 'is required' };
  }
  if (error.keyword === 'dependencies') {
    return {
      field: [path, params.missingProperty].filter(Boolean).join('.'),
      reason: `is required with ${String(params.property)}`,
    };
  }
  if (error.keyword === 'additionalProperties') {
    return {
      field: [path, params.additionalProperty].filter(Boolean).join('.'),
      reason: 'is not an allowed property',
    };
  }
  if (error.keyword === 'discriminator') {
    // A union's tag (a bulk body's `action`): missing, or naming no variant.
    return {
      field: [path, params.tag].filter(Boolean).join('.'),
      reason: params.error === 'tag' ? 'is required' : 'is not one of the allowed values',
    };
  }
  if (error.keyword === 'false schema') {
    return { field: path || part, reason: 'is not allowed with the other properties given' };
  }
  return { field: path || part, reason: error.message ?? 'is invalid' };
}

// Fastify's own client errors, by code, mapped onto the catalogue.
const fastifyCodes: Record<string, ErrorKind> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
};

function toWeftError(error: FastifyError): WeftError {
  if (error instanceof WeftError) return error;
  if (error.validation) {
    const details = fieldProblems(error.validation, error.validationContext ?? 'request');
    const message = details.map((problem) => `${problem.field} ${problem.reason}`).join('; ');
    return new WeftError('VALIDATION', message, details);
  }
  const kind = fastifyCodes[error.code];
  if (kind) return new WeftError(kind, error.message);
  if (error instanceof SyntaxError || (error.statusCode === 400 && !error.code))
    return new WeftError('BAD_REQUEST', error.message);
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const match = Object.entries(catalogue).find(([, entry]) => entry.status === status);
    return new WeftError((match?.[0] ?? 'BAD_REQUEST') as ErrorKind, error.message);
  }
  return new WeftError('INTERNAL', 'Something went wrong on our side');
}

/** Every error leaves as `{ error: { code, message, details? } }`; only 5xx are logged as errors. */
export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const weft = toWeftError(error);
    if (weft.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    reply
      .code(weft.statusCode)
      .headers(weft.headers)
      .send({
        error: {
          code: weft.code,
          message: weft.message,
          ...(weft.details !== undefined && { details: weft.details }),
        },
      });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      error: {
        code: catalogue.NOT_FOUND.code,
        message: `No route ${request.method} ${request.url.split('?')[0]}`,
      },
    });
  });
});
