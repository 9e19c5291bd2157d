/**
 * The node catalogue as `GET /api/nodes` answers it, and the handles each node offers.
 * The API sends schemas and roles but not handles (the engine computes them from params
 * with functions), so they are derived here from the role: one rule per role, never per type.
 */
export interface CatalogEntry {
  type: string;
  kind: 'trigger' | 'action' | 'control';
  title: string;
  category: string;
  description: string | null;
  params: JsonSchema;
  output: JsonSchema;
  role?: 'task' | 'branch' | 'split' | 'join' | 'wait' | 'loop' | 'call' | 'end';
}

export type JsonSchema = { [key: string]: unknown };

export interface HandleSpec {
  id: string;
  /** Shown on the canvas next to the handle. */
  label: string;
  /** Only a parallel split may have several edges leave one handle. */
  multiple: boolean;
}

export const mainHandle = 'out';
export const errorHandle = 'error';
export const triggerId = 'trigger';

export type Catalog = ReadonlyMap<string, CatalogEntry>;

export function catalogOf(entries: readonly CatalogEntry[]): Catalog {
  return new Map(entries.map((entry) => [entry.type, entry]));
}

const handle = (id: string, label = id, multiple = false): HandleSpec => ({ id, label, multiple });

function switchCases(params: unknown): string[] {
  const cases = (params as { cases?: unknown } | null)?.cases;
  if (!Array.isArray(cases)) return [];
  return cases
    .map((c) => (c as { handle?: unknown } | null)?.handle)
    .filter((h): h is string => typeof h === 'string' && h.length > 0);
}

function hasCases(entry: CatalogEntry): boolean {
  const properties = entry.params.properties as Record<string, unknown> | undefined;
  return properties !== undefined && 'cases' in properties;
}

/** The handles a node of this type offers with these params; an unknown type offers `out`. */
export function handlesOf(entry: CatalogEntry | undefined, params: unknown): HandleSpec[] {
  if (!entry) return [handle(mainHandle, '')];
  if (entry.kind === 'trigger') return [handle(mainHandle, '')];
  switch (entry.role ?? 'task') {
    case 'task':
    case 'call':
      return [handle(mainHandle, ''), handle(errorHandle, 'error')];
    case 'branch':
      return hasCases(entry)
        ? [...switchCases(params).map((id) => handle(id)), handle('default')]
        : [handle('true'), handle('false')];
    case 'split':
      return [handle(mainHandle, 'branches', true)];
    case 'loop':
      return [handle('each'), handle('done')];
    case 'end':
      return [];
    default:
      return [handle(mainHandle, '')];
  }
}

/** Palette groups: categories in a stable order, entries by title, filtered by a search. */
export function paletteGroups(
  entries: readonly CatalogEntry[],
  search: string,
): { category: string; entries: CatalogEntry[] }[] {
  const needle = search.trim().toLowerCase();
  const matches = entries.filter(
    (e) =>
      needle === '' ||
      e.title.toLowerCase().includes(needle) ||
      e.type.toLowerCase().includes(needle) ||
      e.category.toLowerCase().includes(needle),
  );
  const groups = new Map<string, CatalogEntry[]>();
  for (const entry of matches) {
    const key = entry.kind === 'trigger' ? 'Triggers' : entry.category;
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  const rank = (category: string) => (category === 'Triggers' ? 0 : category === 'Control' ? 1 : 2);
  return [...groups]
    .map(([category, list]) => ({ category, entries: list.sort((a, b) => a.title.localeCompare(b.title)) }))
    .sort((a, b) => rank(a.category) - rank(b.category) || a.category.localeCompare(b.category));
}
