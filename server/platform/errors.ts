/**
 * The one catalogue of errors the API answers with. Codes are stable: clients and
 * tests match on them. A 4xx is the caller's to fix; a 5xx is a bug of ours.
 */
export const catalogue = {
  VALIDATION: {
    code: 'WEFT_ERR_VALIDATION',
    status: 400,
    description: 'The request does not match its schema; details name each field and reason.',
  },
  BAD_REQUEST: {
    code: 'WEFT_ERR_BAD_REQUEST',
    status: 400,
    description: 'The request is malformed (unparseable JSON, bad header, bad cursor).',
  },
  UNAUTHENTICATED: {
    code: 'WEFT_ERR_UNAUTHENTICATED',
    status: 401,
    description: 'No valid session or API token.',
  },
  INVALID_CREDENTIALS: {
    code: 'WEFT_ERR_INVALID_CREDENTIALS',
    status: 401,
    description: 'Username or password is wrong, or the user is inactive (deliberately not saying which).',
  },
  FORBIDDEN: {
    code: 'WEFT_ERR_FORBIDDEN',
    status: 403,
    description: "The caller's roles do not allow this.",
  },
  CSRF: {
    code: 'WEFT_ERR_CSRF',
    status: 403,
    description: 'A cookie-authenticated request that changes state lacks a valid x-csrf-token header.',
  },
  NOT_FOUND: {
    code: 'WEFT_ERR_NOT_FOUND',
    status: 404,
    description: 'No such resource, or not visible to the caller.',
  },
  CONFLICT: {
    code: 'WEFT_ERR_CONFLICT',
    status: 409,
    description: 'The change conflicts with existing data (a name or value already taken).',
  },
  USER_LIMIT: {
    code: 'WEFT_ERR_USER_LIMIT',
    status: 409,
    description: 'The user-count limit setting does not allow another active or invited user.',
  },
  GONE: {
    code: 'WEFT_ERR_GONE',
    status: 410,
    description: 'The link was good once but no longer is (an invitation expired, used or replaced).',
  },
  PAYLOAD_TOO_LARGE: {
    code: 'WEFT_ERR_PAYLOAD_TOO_LARGE',
    status: 413,
    description: 'The request body is larger than the limit.',
  },
  URI_TOO_LONG: {
    code: 'WEFT_ERR_URI_TOO_LONG',
    status: 414,
    description: 'The URL is longer than the limit.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    code: 'WEFT_ERR_UNSUPPORTED_MEDIA_TYPE',
    status: 415,
    description: 'The body is not in a supported content type (use application/json).',
  },
  FLOW_INVALID: {
    code: 'WEFT_ERR_FLOW_INVALID',
    status: 400,
    description:
      'The flow cannot be published: details list every problem with its node id and a stable code.',
  },
  UNPROCESSABLE: {
    code: 'WEFT_ERR_UNPROCESSABLE',
    status: 422,
    description: 'The request is well-formed but breaks a business rule; the message says which.',
  },
  PROCESS_RULE: {
    code: 'WEFT_ERR_PROCESS_RULE',
    status: 422,
    description:
      'A process rule refused the stage change; details name the rule (state, prerequisite, role, comment, backdateRange, backdateWindow, reassign) and the stage.',
  },
  RATE_LIMITED: {
    code: 'WEFT_ERR_RATE_LIMITED',
    status: 429,
    description: 'Too many attempts; retry after the number of seconds in Retry-After.',
  },
  HEADERS_TOO_LARGE: {
    code: 'WEFT_ERR_HEADERS_TOO_LARGE',
    status: 431,
    description: 'The request line and headers together are larger than the limit.',
  },
  INTERNAL: {
    code: 'WEFT_ERR_INTERNAL',
    status: 500,
    description: 'An unexpected failure on our side; the request id in the log tells what happened.',
  },
  UNAVAILABLE: {
    code: 'WEFT_ERR_UNAVAILABLE',
    status: 503,
    description: 'Weft is starting or shutting down.',
  },
} as const;

export type ErrorKind = keyof typeof catalogue;

export interface FieldProblem {
  field: string;
  reason: string;
}

export class WeftError extends Error {
  readonly kind: ErrorKind;
  readonly statusCode: number;
  readonly code: string;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(kind: ErrorKind, message: string, details?: unknown, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'WeftError';
    this.kind = kind;
    this.statusCode = catalogue[kind].status;
    this.code = catalogue[kind].code;
    this.details = details;
    this.headers = headers;
  }
}

export const notFound = (what: string) => new WeftError('NOT_FOUND', `${what} not found`);
export const forbidden = (message = 'Your roles do not allow this') => new WeftError('FORBIDDEN', message);
export const conflict = (field: string, reason: string) =>
  new WeftError('CONFLICT', `${field} ${reason}`, [{ field, reason }] satisfies FieldProblem[]);
export const invalid = (field: string, reason: string) =>
  new WeftError('VALIDATION', `${field} ${reason}`, [{ field, reason }] satisfies FieldProblem[]);
/** A validation error listing several problems at once, so a form can mark every bad field. */
export const invalidFields = (problems: FieldProblem[]) =>
  new WeftError(
    'VALIDATION',
    problems.map((problem) => `${problem.field} ${problem.reason}`).join('; '),
    problems,
  );
