/**
 * What a reference picker offers: users, groups, lists and records by name, loaded over the
 * API (people and lists once per session; records searched as the user types). Ids are
 * stored, names are shown.
 */

import { type ReferenceKind, referenceNouns } from '../../../schemas/references.ts';
import { api, type Page } from '../api.ts';
import type { ModuleDef } from '../console/console-api.ts';

export interface RefOption {
  value: string;
  label: string;
  /** Shown under the label in the dropdown. */
  group?: string;
}

export type RefKind = Exclude<ReferenceKind, 'roles'>;
export { referenceNouns as refNoun };

interface UserRow {
  id: string;
  username: string;
  firstName: string;
  lastName: string;
  active?: boolean;
}

let people: Promise<{ users: RefOption[]; groups: RefOption[] }> | null = null;

export function peopleOptions() {
  people ??= Promise.all([
    api<Page<UserRow>>('GET', '/users?limit=200'),
    api<Page<{ id: string; name: string }>>('GET', '/groups?limit=200'),
  ]).then(
    ([users, groups]) => ({
      users: users.items.map((u) => ({
        value: u.id,
        label: `${`${u.firstName} ${u.lastName}`.trim() || u.username} (@${u.username})`,
        group: 'Users',
      })),
      groups: groups.items.map((g) => ({ value: g.id, label: g.name, group: 'Groups' })),
    }),
    (error) => {
      people = null;
      throw error;
    },
  );
  return people;
}

let lists: Promise<{ id: string; name: string; module: string; kind: string }[]> | null = null;

export function listOptions() {
  lists ??= api<Page<{ id: string; name: string; module: string; kind: string }>>(
    'GET',
    '/lists?limit=500',
  ).then(
    (page) => page.items,
    (error) => {
      lists = null;
      throw error;
    },
  );
  return lists;
}

/** Web forms by name, with their kind (the web-form trigger's filter); read fresh each time. */
export async function formOptions(): Promise<RefOption[]> {
  const page = await api<{ items: { id: string; name: string; kind: string; active: boolean }[] }>(
    'GET',
    '/forms',
  );
  return page.items.map((form) => ({
    value: form.id,
    label: form.active ? form.name : `${form.name} (inactive)`,
    group: form.kind === 'case' ? 'Service-case forms' : 'Web-lead forms',
  }));
}

/** Email templates by name, grouped by category; read fresh each time. */
export async function emailTemplateOptions(): Promise<RefOption[]> {
  const page = await api<{ items: { id: string; name: string; category: string | null }[] }>(
    'GET',
    '/marketing/templates',
  );
  return page.items.map((template) => ({
    value: template.id,
    label: template.name,
    group: template.category ? `Category: ${template.category}` : 'Templates',
  }));
}

/** Sending accounts the user may use (shared ones and their own): "name <address>". */
export async function emailAccountOptions(): Promise<RefOption[]> {
  const page = await api<{
    items: { id: string; name: string; fromAddress: string; ownerId: string | null }[];
  }>('GET', '/marketing/accounts');
  return page.items.map((account) => ({
    value: account.id,
    label: `${account.name} <${account.fromAddress}>`,
    group: account.ownerId ? 'Personal accounts' : 'Shared accounts',
  }));
}

/** Campaigns by name, drafts first (only a draft can be launched). */
export async function campaignOptions(): Promise<RefOption[]> {
  const page = await api<{ items: { id: string; name: string; status: string }[] }>(
    'GET',
    '/marketing/campaigns',
  );
  const drafts = page.items.filter((campaign) => campaign.status === 'draft');
  const others = page.items.filter((campaign) => campaign.status !== 'draft');
  return [
    ...drafts.map((campaign) => ({ value: campaign.id, label: campaign.name, group: 'Drafts' })),
    ...others.map((campaign) => ({
      value: campaign.id,
      label: `${campaign.name} (${campaign.status})`,
      group: 'Launched or closed',
    })),
  ];
}

/** The name a record goes by: its module's display fields, joined. */
export function recordName(module: ModuleDef | undefined, row: Record<string, unknown>): string {
  const fields = module?.displayFields.length ? module.displayFields : ['name'];
  const name = fields
    .map((field) => row[field])
    .filter((value) => value !== null && value !== undefined && value !== '')
    .join(' ');
  return name || `Unnamed ${module?.itemName ?? 'record'}`;
}

export async function searchRecords(module: ModuleDef, query: string): Promise<RefOption[]> {
  const q = query.trim() ? `&q=${encodeURIComponent(query.trim())}` : '';
  const page = await api<Page<Record<string, unknown> & { id: string }>>(
    'GET',
    `/records/${module.name}?limit=20${q}`,
  );
  return page.items.map((row) => ({ value: row.id, label: recordName(module, row) }));
}

export async function recordOption(module: ModuleDef, id: string): Promise<RefOption | null> {
  try {
    const row = await api<Record<string, unknown>>('GET', `/records/${module.name}/${id}`);
    return { value: id, label: recordName(module, row) };
  } catch {
    return null;
  }
}

/** "First name · Text": a field as a picker shows it. */
export const fieldOptions = (module: ModuleDef | undefined): RefOption[] =>
  (module?.fields ?? []).map((field) => ({
    value: field.name,
    label: field.label,
    group: field.system ? 'Standard fields' : 'Fields',
  }));
