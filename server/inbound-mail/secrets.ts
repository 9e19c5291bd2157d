/**
 * Credentials Weft must keep to use them (IMAP passwords) are stored encrypted with
 * AES-256-GCM. The key is HKDF-SHA256 of `WEFT_SECRET_KEY` when the environment sets it
 * (at least 32 characters; every process of one installation must share it), else of a
 * random key file `weft-secret.key` (mode 0600) created in `WEFT_DATA_DIR` (default ./data)
 * on first use: the database alone never holds what decrypts it.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

let cached: { source: string; key: Buffer } | undefined;

function keyMaterial(): string {
  const given = process.env.WEFT_SECRET_KEY;
  if (given !== undefined && given.length > 0) {
    if (given.length < 32) throw new Error('WEFT_SECRET_KEY must be at least 32 characters');
    return given;
  }
  const folder = process.env.WEFT_DATA_DIR ?? './data';
  const file = path.join(folder, 'weft-secret.key');
  if (!existsSync(file)) {
    mkdirSync(folder, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(file, 'utf8').trim();
}

function key(): Buffer {
  const source = keyMaterial();
  if (cached?.source !== source) {
    cached = { source, key: Buffer.from(hkdfSync('sha256', source, 'weft', 'weft credentials v1', 32)) };
  }
  return cached.key;
}

/** `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
export function encryptSecret(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key(), iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), data]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export function decryptSecret(sealed: string): string {
  const [version, iv, tag, data] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', key(), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}
