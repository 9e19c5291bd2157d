/**
 * All data out and in: every module (or a chosen set) as one ZIP — a CSV per module, as the
 * per-module export writes it, plus `manifest.json` — streamed as it is written; and such a
 * file imported into another installation, each module's CSV started as an ordinary import
 * job (progress, failed rows and rollback come with it) in "overwrite" or "skip existing"
 * mode, rows matched on `id` or a chosen field. Modules are written and imported in link
 * order (accounts before the contacts that link to them).
 */
import { PassThrough, type Readable } from 'node:stream';
import type JSZip from 'jszip';
import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../db/index.ts';
import type { Actor } from '../platform/audit.ts';
import { type Principal, requireAdmin } from '../platform/authz.ts';
import { WeftError } from '../platform/errors.ts';
import type { SettingsService } from '../platform/settings.ts';
import { findModule, listModules, type ModuleDefinition } from '../studio/modules.ts';
import {
  addPeople,
  importPeople,
  type ManifestUsers,
  type PeopleResult,
  translateAssignees,
} from './all-data-users.ts';
import { exportModule } from './exports.ts';
import { startImport } from './imports.ts';

export const maxArchiveBytes = 100 * 1024 * 1024;

interface ManifestModule {
  name: string;
  label: string;
  file: string;
  records: number;
  fields: string[];
}

export interface Manifest {
  format: 'weft-all-data';
  version: 1;
  exportedAt: string;
  modules: ManifestModule[];
  /** Roles, groups and users (all-data-users.ts); absent when only some modules were chosen. */
  users?: ManifestUsers;
}

/** Modules ordered so that a link's target comes before the module that links to it. */
function linkOrder(modules: readonly ModuleDefinition[]): ModuleDefinition[] {
  const byName = new Map(modules.map((module) => [module.name, module]));
  const ordered: ModuleDefinition[] = [];
  const seen = new Set<string>();
  const visit = (module: ModuleDefinition) => {
    if (seen.has(module.name)) return;
    seen.add(module.name);
    for (const field of module.fields) {
      const target = field.type === 'link' ? byName.get(String(field.options.module ?? '')) : undefined;
      if (target) visit(target);
    }
    ordered.push(module);
  };
  for (const module of modules) visit(module);
  return ordered;
}

export async function exportAllData(
  db: Db,
  principal: Principal,
  chosen?: string[],
): Promise<{ fileName: string; body: Readable; records: number }> {
  requireAdmin(principal);
  const all = await listModules(db);
  // "users" is not a module: it names the people (users, their roles and groups).
  const withPeople = !chosen || chosen.includes('users');
  const unknown = (chosen ?? []).filter(
    (name) => name !== 'users' && !all.some((module) => module.name === name),
  );
  if (unknown.length > 0)
    throw new WeftError('VALIDATION', `No module ${unknown.join(', ')}`, [
      { field: 'modules', reason: `names no module: ${unknown.join(', ')}` },
    ]);
  const modules = linkOrder(all.filter((module) => !chosen || chosen.includes(module.name)));
  // Loaded by the first archive rather than at start (issue 19's memory target).
  const { default: Zip } = await import('jszip');
  const zip = new Zip();
  const manifest: Manifest = {
    format: 'weft-all-data',
    version: 1,
    exportedAt: new Date().toISOString(),
    modules: [],
  };
  for (const module of modules) {
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from ${sql.table(module.table)}`.execute(db);
    const file = `${module.name}.csv`;
    manifest.modules.push({
      name: module.name,
      label: module.label,
      file,
      records: rows[0]?.n ?? 0,
      fields: ['id', ...module.fields.map((field) => field.name)],
    });
    // The CSV streams into the archive as the archive is read.
    zip.file(file, (await exportModule(db, principal, module.name, undefined)).body);
  }
  if (withPeople) manifest.users = await addPeople(db, zip);
  zip.file('manifest.json', JSON.stringify(manifest, null, 2));
  const day = new Date().toISOString().slice(0, 10);
  return {
    fileName: `weft-all-data-${day}.zip`,
    // JSZip streams through its own (readable-stream) class: piped into a node stream for Fastify.
    body: zip
      .generateNodeStream({ type: 'nodebuffer', streamFiles: true, compression: 'DEFLATE' })
      .pipe(new PassThrough()),
    records: manifest.modules.reduce((sum, module) => sum + module.records, 0),
  };
}

export interface AllDataImportQuery {
  mode: 'overwrite' | 'skip';
  keyField?: string | undefined;
}

/**
 * Brings the archive's people in first (when it has them), then starts one import job per
 * module; modules this installation lacks are listed, not guessed.
 */
export async function importAllData(
  db: Db,
  boss: PgBoss | null,
  settings: SettingsService,
  principal: Principal,
  actor: Actor & { id: string },
  data: Buffer,
  query: AllDataImportQuery,
) {
  requireAdmin(principal);
  let zip: JSZip;
  try {
    const { default: Zip } = await import('jszip');
    zip = await Zip.loadAsync(data);
  } catch {
    throw new WeftError('VALIDATION', 'The file is not a ZIP archive', [
      { field: 'body', reason: 'is not a ZIP' },
    ]);
  }
  const manifestText = await zip.file('manifest.json')?.async('string');
  let manifest: Manifest | undefined;
  try {
    manifest = manifestText ? (JSON.parse(manifestText) as Manifest) : undefined;
  } catch {
    manifest = undefined;
  }
  if (manifest?.format !== 'weft-all-data' || !Array.isArray(manifest.modules))
    throw new WeftError('VALIDATION', 'The archive has no Weft manifest.json: it is not an all-data export', [
      { field: 'body', reason: 'has no manifest.json of format weft-all-data' },
    ]);
  let people: { result: PeopleResult; ids: Map<string, string> } | null = null;
  if (manifest.users && typeof manifest.users === 'object')
    people = await importPeople(db, settings, actor, zip, manifest.users, query.mode);
  const started: Array<{ module: string; importId: string; rows: number | null }> = [];
  const skipped: Array<{ module: string; reason: string }> = [];
  for (const entry of manifest.modules) {
    const module = await findModule(db, String(entry.name));
    let csv = await zip.file(String(entry.file))?.async('nodebuffer');
    if (!module)
      skipped.push({
        module: String(entry.name),
        reason: 'no such module here (create it first, e.g. from a module file)',
      });
    else if (!csv) skipped.push({ module: module.name, reason: `the archive has no ${String(entry.file)}` });
    else if (entry.records === 0) skipped.push({ module: module.name, reason: 'no records' });
    else {
      // With the archive's people here, assignments name them (translated to their ids here);
      // without, records go to the importing admin.
      const assignments = module.fields
        .filter((field) => field.type === 'assignment')
        .map((field) => field.name);
      if (people) csv = await translateAssignees(csv, assignments, people.ids);
      const header = (csv.toString('utf8').split(/\r?\n/, 1)[0] ?? '')
        .split(',')
        .map((cell) => cell.replace(/^"|"$/g, ''));
      const dropped = ['createdBy', 'createdAt', 'updatedAt', ...(people ? [] : ['assignedTo'])];
      const mapping = Object.fromEntries(
        header.map((column) => [column, dropped.includes(column) ? null : column]),
      );
      const job = await startImport(
        db,
        boss,
        principal,
        {
          module: module.name,
          mode: query.mode === 'overwrite' ? 'update' : 'skip',
          keyField: query.keyField ?? 'id',
          mapping: JSON.stringify(mapping),
          route: false,
        },
        csv,
        'csv',
      );
      started.push({ module: module.name, importId: job.id, rows: job.total ?? null });
    }
  }
  return { imports: started, skipped, ...(people && { people: people.result }) };
}
