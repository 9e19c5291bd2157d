import type { Socket } from 'node:net';
import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isConnectionLoss } from '../db/reachable.ts';
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

/** A PostgreSQL error (pg's DatabaseError carries the SQLSTATE in `code` and a `severity`). */
const isDatabaseError = (error: unknown): error is { code: string; message: string } =>
  typeof error === 'object' &&
  error !== null &&
  'severity' in error &&
  typeof (error as { code?: unknown }).code === 'string';

/**
 * The last line of defence against bad input reaching SQL: PostgreSQL's data exceptions
 * (class 22: a value it cannot convert or store) and program limits (class 54: nesting too
 * deep, too many columns) are the request's fault, so a 400, never a 500. Each known case is
 * refused earlier, by name (cursors, NULs, surrogates, depth); this catches the next one.
 */
function databaseRefusal(error: unknown): WeftError | undefined {
  if (!isDatabaseError(error) || !/^(22|54)/.test(error.code)) return undefined;
  return new WeftError('BAD_REQUEST', `A value in the request cannot be stored: ${error.message}`);
}

/**
 * A socket that broke under a query: the pool's connection to a database that was restarted
 * or cut a moment ago (routes wrap their own calls to remote servers, so a bare one is the pool's).
 */
const brokenSocket = (error: unknown) => {
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  return (code === 'EPIPE' || code === 'ECONNRESET') && (syscall === 'write' || syscall === 'read');
};

export function toWeftError(error: FastifyError): WeftError {
  if (error instanceof WeftError) return error;
  const refused = databaseRefusal(error);
  if (refused) return refused;
  // The database restarting or the connection cut mid-request: the pool reconnects by
  // itself, so the client is told to try again in a moment (a transaction under way rolled back).
  if (isConnectionLoss(error) || brokenSocket(error))
    return new WeftError('UNAVAILABLE', 'The database cannot be reached for a moment; try again', undefined, {
      'retry-after': '2',
    });
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

const bodyOf = (weft: WeftError) => ({
  error: {
    code: weft.code,
    message: weft.message,
    ...(weft.details !== undefined && { details: weft.details }),
  },
});

function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const weft = toWeftError(error);
  if (weft.statusCode >= 500) request.log.error({ err: error }, 'request failed');
  reply.code(weft.statusCode).headers(weft.headers).send(bodyOf(weft));
}

/**
 * Fastify's own refusals before routing (a URL that does not decode, FST_ERR_BAD_URL) take
 * the same path as every other error: the `frameworkErrors` option of the app.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  sendError(error, request, reply);
}

/**
 * What Node's HTTP parser refuses before Fastify sees a request (headers too large, a
 * malformed request line): answered on the socket in the same shape, then the socket is
 * closed. The `clientErrorHandler` option of the app.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const weft =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new WeftError('HEADERS_TOO_LARGE', 'The request line and headers are larger than 16 kB')
      : error.code === 'HPE_INVALID_URL'
        ? new WeftError('BAD_REQUEST', 'The URL is malformed')
        : new WeftError('BAD_REQUEST', 'The request is malformed');
  const body = JSON.stringify(bodyOf(weft));
  if (socket.writable) {
    const reason = weft.statusCode === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
    socket.end(
      `HTTP/1.1 ${weft.statusCode} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  } else socket.destroy();
}

/** Longer URLs are refused (414) before routing; browsers and proxies stop around 8 kB too. */
export const maxUrlLength = 8192;

/** Every error leaves as `{ error: { code, message, details? } }`; only 5xx are logged as errors. */
export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler(sendError);
  app.addHook('onRequest', async (request) => {
    if (request.url.length > maxUrlLength)
      throw new WeftError('URI_TOO_LONG', `The URL is longer than ${maxUrlLength} characters`);
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
