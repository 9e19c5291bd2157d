import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Db } from '../db/index.ts';

/**
 * The key made by migration 0023 from the operating system's generator (`marketing_keys`,
 * never answered by the API): it signs tracking tokens (server/marketing/keys.ts) and,
 * without `WEFT_SECRET_KEY`, is what sending accounts' passwords are encrypted under. Here,
 * in `email`, because delivering a mail from an account needs its password.
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
