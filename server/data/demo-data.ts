/**
 * A small demo data set for a new install, so there are records to try flows on: accounts,
 * their contacts and opportunities, written through the records service like any other
 * records (validation, changelog, events; flows on "record created" run for them as for any
 * record). Only into an install without contacts, accounts or opportunities: demo data never
 * mixes with real data.
 */
import type { Db } from '../db/index.ts';
import type { Actor } from '../platform/audit.ts';
import type { Principal } from '../platform/authz.ts';
import { WeftError } from '../platform/errors.ts';
import { createRecord } from '../records/records.ts';
import { recordsDb } from '../studio/fields.ts';
import { getModule } from '../studio/modules.ts';

const accounts = [
  { name: 'Northwind Traders', type: 'Customer', industry: 'Wholesale', city: 'Seattle', employees: 120 },
  { name: 'Contoso Ltd', type: 'Prospect', industry: 'Manufacturing', city: 'Lyon', employees: 850 },
  { name: 'Fabrikam', type: 'Customer', industry: 'Software', city: 'Berlin', employees: 60 },
  { name: 'Tailspin Toys', type: 'Prospect', industry: 'Retail', city: 'Leeds', employees: 35 },
  { name: 'Adventure Works', type: 'Partner', industry: 'Outdoor', city: 'Denver', employees: 240 },
  { name: 'Blue Yonder Airlines', type: 'Customer', industry: 'Travel', city: 'Lisbon', employees: 1900 },
] as const;

const people = [
  ['Ada', 'Lovelace', 'Web', 5],
  ['Grace', 'Hopper', 'Referral', 4],
  ['Alan', 'Turing', 'Web', 3],
  ['Katherine', 'Johnson', 'Trade Show', 4],
  ['Edsger', 'Dijkstra', 'Google', 2],
  ['Barbara', 'Liskov', 'Web', 5],
  ['Donald', 'Knuth', 'Referral', 3],
  ['Margaret', 'Hamilton', 'Web', 4],
  ['Linus', 'Torvalds', 'Google', 1],
  ['Frances', 'Allen', 'Trade Show', 3],
  ['Tim', 'Berners-Lee', 'Web', 4],
  ['Radia', 'Perlman', 'Referral', 5],
] as const;

const deals = [
  ['Northwind: annual renewal', 0, 24_000, 'Working', 60],
  ['Contoso: pilot', 1, 8_500, 'Working', 30],
  ['Fabrikam: expansion', 2, 42_000, 'Won', 100],
  ['Tailspin: starter plan', 3, 3_200, 'Lost', 0],
  ['Adventure Works: partner bundle', 4, 15_000, 'Working', 45],
  ['Blue Yonder: fleet rollout', 5, 120_000, 'Working', 20],
  ['Northwind: add-on seats', 0, 6_000, 'Won', 100],
] as const;

export interface DemoResult {
  accounts: number;
  contacts: number;
  opportunities: number;
}

async function isEmpty(db: Db, module: string): Promise<boolean> {
  const { table } = await getModule(db, module);
  const row = await recordsDb(db).selectFrom(table).select('id').limit(1).executeTakeFirst();
  return row === undefined;
}

export async function loadDemoData(db: Db, principal: Principal, actor: Actor): Promise<DemoResult> {
  for (const module of ['accounts', 'contacts', 'opportunities'])
    if (!(await isEmpty(db, module)))
      throw new WeftError(
        'CONFLICT',
        'Demo data goes only into an install without accounts, contacts or opportunities',
        [{ field: 'module', reason: `${module} already has records` }],
      );
  const accountIds: string[] = [];
  for (const account of accounts) {
    const created = await createRecord(db, principal, actor, 'accounts', account);
    accountIds.push(String(created.id));
  }
  let contacts = 0;
  for (const [index, [firstName, lastName, leadSource, rating]] of people.entries()) {
    await createRecord(db, principal, actor, 'contacts', {
      firstName,
      lastName,
      email: `${firstName}.${lastName}@example.com`.toLowerCase(),
      leadSource,
      rating,
      company: accountIds[index % accountIds.length],
    });
    contacts++;
  }
  let opportunities = 0;
  const close = new Date();
  for (const [name, account, quoteAmount, salesStage, probability] of deals) {
    close.setDate(close.getDate() + 9);
    await createRecord(db, principal, actor, 'opportunities', {
      name,
      accountName: accountIds[account],
      quoteAmount,
      salesStage,
      probability,
      closeDate: close.toISOString().slice(0, 10),
    });
    opportunities++;
  }
  return { accounts: accountIds.length, contacts, opportunities };
}
