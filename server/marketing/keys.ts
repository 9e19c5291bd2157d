import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import type { Db } from '../db/index.ts';

/**
 * The secrets of marketing: the key that signs tracking tokens (made by migration 0023 from
 * the operating system's generator, kept in `marketing_keys`, never answered by the API),
 * and the encryption of sending accounts' passwords.
 */

const keys = new WeakMap<object, Promise<Buffer>>();

/** The signing key, read once per database handle. */
export function signingKey(db: Db): Promise<Buffer> {
  let key = keys.get(db);
  if (!key) {
    key = db
      .selectFrom('marketingKeys')
      .select('signingKey')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow()
      .then((row) => Buffer.from(row.signingKey));
    keys.set(db, key);
    key.catch(() => keys.delete(db));
  }
  return key;
}

/** What a token grants: `o` the open pixel, `c<n>` the n-th link of the mail, `u` unsubscribing. */
export type TokenPurpose = 'o' | 'u' | 'v' | 's' | `c${number}`;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function signature(key: Buffer, body: string): string {
  // 128 bits of HMAC-SHA256: unguessable, and short enough for a URL.
  return createHmac('sha256', key).update(body).digest('base64url').slice(0, 22);
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

/**
 * Account passwords are AES-256-GCM ciphertext (random 96-bit IV, auth tag) under a key
 * derived with HKDF from `WEFT_SECRET_KEY` when the environment sets it (then a copy of
 * the database alone does not reveal them), else from the signing key in the database
 * (which protects against reading the column, not against a full dump: set the variable).
 */
async function encryptionKey(db: Db): Promise<Buffer> {
  const secret = process.env.WEFT_SECRET_KEY
    ? Buffer.from(process.env.WEFT_SECRET_KEY)
    : await signingKey(db);
  return Buffer.from(hkdfSync('sha256', secret, 'weft', 'email-account-password', 32));
}

export async function encryptSecret(db: Db, plain: string): Promise<string> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await encryptionKey(db), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `v1.${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${body.toString('base64url')}`;
}

export async function decryptSecret(db: Db, stored: string): Promise<string> {
  const [version, iv = '', tag = '', body = ''] = stored.split('.');
  if (version !== 'v1') throw new Error('unknown secret format');
  const decipher = createDecipheriv('aes-256-gcm', await encryptionKey(db), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}
