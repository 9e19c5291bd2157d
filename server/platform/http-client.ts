/**
 * Outbound HTTP for flows, guarded against server-side request forgery: every address DNS
 * returns is checked (address-guard.ts) and the socket connects to the very address that
 * was checked — the lookup is ours, so a second, rebinding answer cannot slip in. Redirects
 * are followed by hand, each hop checked the same way.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { refusal } from './address-guard.ts';
import { invalid, WeftError } from './errors.ts';

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** JSON to send; a string is sent as it is. */
  body?: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed when the response says it is JSON, else text. */
  body: unknown;
  /** The URL that answered, after redirects. */
  url: string;
}

export const maxRedirects = 5;
export const maxResponseBytes = 1024 * 1024;

class RefusedTarget extends Error {}

function guardedLookup(allowList: readonly string[]): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      for (const { address } of addresses) {
        const reason = refusal(hostname, address, allowList);
        if (reason) return callback(new RefusedTarget(reason), '', 0);
      }
      const [first] = addresses;
      if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
      if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, first.address, first.family);
    });
  };
}

function targetOf(raw: string, allowList: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('url', `"${raw.slice(0, 60)}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid('url', `uses ${url.protocol.replace(':', '')}; only http and https are allowed`);
  }
  if (url.username || url.password) throw invalid('url', 'may not carry a user name or password');
  // A literal address never reaches the lookup: check it here.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const reason = refusal(host, host, allowList);
    if (reason) throw invalid('url', reason);
  }
  return url;
}

function headersOf(message: http.IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(message.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : String(value ?? ''),
    ]),
  );
}

function bodyOf(raw: Buffer, contentType: string | undefined): unknown {
  const text = raw.toString('utf8');
  if (contentType && /[/+]json\b/i.test(contentType) && text.trim() !== '') {
    try {
      return JSON.parse(text);
    } catch {
      return text; // the server said JSON but sent something else: show what it sent
    }
  }
  return text;
}

interface Hop {
  method: string;
  headers: Record<string, string>;
  payload: string | undefined;
}

function once(url: URL, hop: Hop, allowList: readonly string[], signal: AbortSignal) {
  return new Promise<{ message: http.IncomingMessage; raw: Buffer }>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, {
      method: hop.method,
      headers: hop.headers,
      lookup: guardedLookup(allowList),
      agent: false,
      signal,
    });
    request.on('error', reject);
    request.on('response', (message) => {
      const chunks: Buffer[] = [];
      let size = 0;
      message.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxResponseBytes) {
          message.destroy();
          reject(
            new WeftError('UNPROCESSABLE', `the response from ${url.host} is larger than 1 MB`, [
              { field: 'url', reason: 'response too large' },
            ]),
          );
          return;
        }
        chunks.push(chunk);
      });
      message.on('end', () => resolve({ message, raw: Buffer.concat(chunks) }));
      message.on('error', reject);
    });
    request.end(hop.payload);
  });
}

/**
 * Performs a request, following up to five redirects. A refused target or a bad URL is a
 * 400 naming `url`; a timeout or a network failure is a plain error (worth retrying).
 * Any HTTP status is answered, not thrown: what it means is the caller's business.
 */
export async function guardedFetch(
  request: HttpRequest,
  allowList: readonly string[],
): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  let payload: string | undefined;
  if (request.body !== undefined && request.body !== null && !['GET', 'HEAD'].includes(request.method)) {
    payload = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    headers['content-type'] ??=
      typeof request.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  }
  let hop: Hop = { method: request.method, headers, payload };
  let url = targetOf(request.url, allowList);
  for (let redirects = 0; ; redirects++) {
    let answer: Awaited<ReturnType<typeof once>>;
    try {
      answer = await once(url, hop, allowList, signal);
    } catch (error) {
      if (error instanceof RefusedTarget) throw invalid('url', error.message);
      if (error instanceof WeftError) throw error;
      const code = (error as { code?: unknown }).code;
      if (
        code === 'ERR_INVALID_CHAR' ||
        code === 'ERR_HTTP_INVALID_HEADER_VALUE' ||
        code === 'ERR_INVALID_HTTP_TOKEN'
      ) {
        throw invalid('headers', (error as Error).message);
      }
      if (signal.aborted)
        throw new Error(`${request.method} ${url.host} timed out after ${request.timeoutMs} ms`);
      throw new Error(`${request.method} ${url.host} failed: ${(error as Error).message}`, { cause: error });
    }
    const { message, raw } = answer;
    const status = message.statusCode ?? 0;
    const location = message.headers.location;
    if ([301, 302, 303, 307, 308].includes(status) && location) {
      if (redirects >= maxRedirects) throw invalid('url', `redirected more than ${maxRedirects} times`);
      const next = targetOf(new URL(location, url).toString(), allowList);
      // 303, and 301/302 after a POST, become a GET without a body, as browsers do.
      const keepsMethod = status === 307 || status === 308 || hop.method === 'GET' || hop.method === 'HEAD';
      const nextHeaders = { ...hop.headers };
      if (!keepsMethod) delete nextHeaders['content-type'];
      if (next.origin !== url.origin) {
        delete nextHeaders.authorization;
        delete nextHeaders.cookie;
      }
      hop = keepsMethod
        ? { ...hop, headers: nextHeaders }
        : { method: 'GET', headers: nextHeaders, payload: undefined };
      url = next;
      continue;
    }
    return {
      status,
      headers: headersOf(message),
      body: hop.method === 'HEAD' ? null : bodyOf(raw, message.headers['content-type']),
      url: url.toString(),
    };
  }
}
