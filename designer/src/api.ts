/**
 * The one way the SPA talks to the server: JSON over fetch with the session cookie, and
 * the CSRF token (given at sign-in) echoed on every write.
 */
const csrfKey = 'weft.csrf';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const setCsrfToken = (token: string | null) =>
  token === null ? localStorage.removeItem(csrfKey) : localStorage.setItem(csrfKey, token);

export const hasCsrfToken = () => localStorage.getItem(csrfKey) !== null;

let onSignedOut: () => void = () => {};
export const whenSignedOut = (callback: () => void) => {
  onSignedOut = callback;
};

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  // A file (import uploads) travels as itself, typed by the Blob; anything else as JSON.
  const file = body instanceof Blob;
  if (body !== undefined) headers['content-type'] = file ? body.type : 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = localStorage.getItem(csrfKey) ?? '';
  const response = await fetch(`/api${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : file ? body : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (response.status === 204) return undefined as T;
  const payload = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (payload as { error?: { code?: string; message?: string; details?: unknown } } | null)
      ?.error;
    if (response.status === 401) onSignedOut();
    throw new ApiError(
      response.status,
      error?.code ?? 'HTTP',
      error?.message ?? `${response.status} ${response.statusText}`,
      error?.details,
    );
  }
  return payload as T;
}

export type Action = 'view' | 'create' | 'update' | 'delete';

export interface User {
  id: string;
  username: string;
  firstName: string;
  lastName: string;
  isAdmin: boolean;
  /** The merged permission matrix of the user's roles (`GET /me`): module or `*` → action → scope. */
  permissions?: Record<string, Partial<Record<Action, string>>>;
}

/**
 * Whether the user's roles allow an action on a module at all (some scope other than none),
 * as the server decides (`scopeFor`): the module's row, else the `*` row. Screens hide what
 * this refuses; the server still enforces it.
 */
export function can(user: User, module: string, action: Action): boolean {
  if (user.isAdmin) return true;
  const cell = user.permissions?.[module]?.[action] ?? user.permissions?.['*']?.[action];
  return cell !== undefined && cell !== 'none';
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
