import type { Db } from '../db/index.ts';
import type { Principal } from '../platform/authz.ts';
import { conflict, forbidden, notFound } from '../platform/errors.ts';
import { encryptSecret } from './keys.ts';

// What sending needs of an account (From, signature, SMTP) is in email, which delivers the mail.
export { pooledTransport, type Sender, senderFor } from '../email/senders.ts';

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
