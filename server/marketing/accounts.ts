import nodemailer, { type Transporter } from 'nodemailer';
import type { Settings } from '../../schemas/settings.ts';
import type { Db } from '../db/index.ts';
import { senderOf } from '../email/email-transport.ts';
import type { Principal } from '../platform/authz.ts';
import { conflict, forbidden, notFound } from '../platform/errors.ts';
import { decryptSecret, encryptSecret } from './keys.ts';

/**
 * Sending accounts: shared ones (owner null: bulk email, notifications, web-lead and case
 * responses, each chosen in the settings) and each user's own, so that mail goes out from
 * the rep. The password is stored encrypted (keys.ts) and never answered.
 */

export interface AccountInput {
  name: string;
  fromAddress: string;
  fromName?: string | null;
  host: string;
  port: number;
  security: 'none' | 'starttls' | 'tls';
  username?: string | null;
  password?: string | null;
  signature?: string | null;
  /** Admins may make shared accounts (null) or accounts of anyone; others only their own. */
  ownerId?: string | null;
}

const columns = [
  'id',
  'ownerId',
  'name',
  'fromAddress',
  'fromName',
  'host',
  'port',
  'security',
  'username',
  'signature',
  'createdAt',
  'updatedAt',
] as const;

const shape = <T extends { passwordCipher?: string | null }>(row: T) => {
  const { passwordCipher, ...rest } = row;
  return { ...rest, passwordSet: Boolean(passwordCipher) };
};

export async function listAccounts(db: Db, principal: Principal) {
  let select = db
    .selectFrom('emailAccounts')
    .select([...columns, 'passwordCipher'])
    .orderBy('name');
  if (!principal.isAdmin)
    select = select.where((eb) => eb.or([eb('ownerId', '=', principal.id), eb('ownerId', 'is', null)]));
  return { items: (await select.execute()).map(shape) };
}

async function ownedRow(db: Db, principal: Principal, id: string) {
  const row = await db.selectFrom('emailAccounts').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Email account');
  if (!principal.isAdmin && row.ownerId !== principal.id) throw forbidden('This is not your email account');
  return row;
}

export async function createAccount(db: Db, principal: Principal, input: AccountInput) {
  const ownerId = principal.isAdmin ? (input.ownerId === undefined ? null : input.ownerId) : principal.id;
  if (!principal.isAdmin && input.ownerId !== undefined && input.ownerId !== principal.id)
    throw forbidden('Only administrators may add shared accounts or accounts of others');
  const row = await db
    .insertInto('emailAccounts')
    .values({
      ownerId,
      name: input.name,
      fromAddress: input.fromAddress,
      fromName: input.fromName ?? null,
      host: input.host,
      port: input.port,
      security: input.security,
      username: input.username ?? null,
      passwordCipher: input.password ? await encryptSecret(db, input.password) : null,
      signature: input.signature ?? null,
    })
    .returning([...columns, 'passwordCipher'])
    .executeTakeFirstOrThrow();
  return shape(row);
}

export async function updateAccount(db: Db, principal: Principal, id: string, patch: Partial<AccountInput>) {
  await ownedRow(db, principal, id);
  const { password, ownerId, ...rest } = patch;
  if (ownerId !== undefined && !principal.isAdmin)
    throw forbidden('Only administrators may change the owner');
  const row = await db
    .updateTable('emailAccounts')
    .set({
      ...rest,
      ...(ownerId !== undefined && { ownerId }),
      ...(password !== undefined && {
        passwordCipher: password ? await encryptSecret(db, password) : null,
      }),
      updatedAt: new Date(),
    })
    .where('id', '=', id)
    .returning([...columns, 'passwordCipher'])
    .executeTakeFirstOrThrow();
  return shape(row);
}

export async function deleteAccount(db: Db, principal: Principal, id: string) {
  await ownedRow(db, principal, id);
  const used = await db.selectFrom('campaigns').select('id').where('accountId', '=', id).executeTakeFirst();
  if (used) throw conflict('id', 'is the sender of a campaign');
  await db.deleteFrom('emailAccounts').where('id', '=', id).execute();
}

/** Where mail goes out from: an account, or the system SMTP settings. */
export interface Sender {
  from: { name: string | null; address: string };
  signature: string | null;
  smtp: {
    host: string;
    port: number;
    security: 'none' | 'starttls' | 'tls';
    user: string | null;
    password: string | null;
  } | null;
}

/** An account's sender (null id: the system settings), with its password decrypted for the transport. */
export async function senderFor(db: Db, settings: Settings, accountId: string | null): Promise<Sender> {
  const account = accountId
    ? await db.selectFrom('emailAccounts').selectAll().where('id', '=', accountId).executeTakeFirst()
    : undefined;
  if (accountId && !account) throw notFound('Email account');
  if (account) {
    return {
      from: { name: account.fromName, address: account.fromAddress },
      signature: settings.emailSignatureMode === 'user' ? account.signature : settings.emailSignature,
      smtp: {
        host: account.host,
        port: account.port,
        security: account.security,
        user: account.username,
        password: account.passwordCipher ? await decryptSecret(db, account.passwordCipher) : null,
      },
    };
  }
  return {
    from: senderOf(settings),
    signature: settings.emailSignature,
    smtp: settings.smtpHost
      ? {
          host: settings.smtpHost,
          port: settings.smtpPort,
          security: settings.smtpSecurity,
          user: settings.smtpUser,
          password: settings.smtpPassword,
        }
      : null,
  };
}

/** A pooled transport for a run of bulk mail: a few connections kept open, many messages each. */
export function pooledTransport(smtp: NonNullable<Sender['smtp']>, connections = 4): Transporter {
  return nodemailer.createTransport({
    pool: true,
    maxConnections: connections,
    maxMessages: 1000,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    ...(smtp.user && { auth: { user: smtp.user, pass: smtp.password ?? '' } }),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
}
