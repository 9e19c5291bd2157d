import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';

// The key and the account-password encryption live with the sending of mail (server/email/secrets.ts).
export { decryptSecret, encryptSecret, signingKey } from '../email/secrets.ts';

/**
 * The secrets of marketing: the key that signs tracking tokens (made by migration 0023 from
 * the operating system's generator, kept in `marketing_keys`, never answered by the API)
 * and the tracking tokens it signs.
 */

/** What a token grants: `o` the open pixel, `c<n>` the n-th link of the mail, `u` unsubscribing. */
export type TokenPurpose = 'o' | 'u' | 'v' | 's' | `c${number}`;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// The key as a KeyObject, made once: createHmac would otherwise import the bytes on every token.
const keyObjects = new WeakMap<Buffer, KeyObject>();
function signature(key: Buffer, body: string): string {
  let keyObject = keyObjects.get(key);
  if (!keyObject) {
    keyObject = createSecretKey(key);
    keyObjects.set(key, keyObject);
  }
  // 128 bits of HMAC-SHA256: unguessable, and short enough for a URL.
  return createHmac('sha256', keyObject).update(body).digest('base64url').slice(0, 22);
}

/** `<message id>.<purpose>.<signature>`: one mail, one purpose, signed. */
export function signToken(key: Buffer, messageId: string, purpose: TokenPurpose): string {
  const body = `${messageId}.${purpose}`;
  return `${body}.${signature(key, body)}`;
}

/** The message and purpose of a token whose signature holds; null for anything else. */
export function verifyToken(key: Buffer, token: string): { messageId: string; purpose: TokenPurpose } | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [messageId = '', purpose = '', given = ''] = parts;
  if (!uuidPattern.test(messageId) || !/^(o|u|v|s|c\d{1,4})$/.test(purpose)) return null;
  const expected = Buffer.from(signature(key, `${messageId}.${purpose}`));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return null;
  return { messageId, purpose: purpose as TokenPurpose };
}
