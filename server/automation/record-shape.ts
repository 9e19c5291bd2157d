/**
 * A module's record as the flow validator sees it (engine/core/variables.ts): each field's
 * kind, and for a link the shape of the record it leads to, followed up to three links
 * deep; an assignment leads to a user's profile. Built from the module definitions.
 */
import { type FieldShape, maxLinkDepth, type RecordShape, userShape } from '../../engine/core/variables.ts';
import type { Db } from '../db/index.ts';
import { listModules, type ModuleDefinition } from '../studio/modules.ts';

function shapeOf(
  modules: ReadonlyMap<string, ModuleDefinition>,
  module: ModuleDefinition,
  depth: number,
): RecordShape {
  const fields: Record<string, FieldShape> = {
    id: { kind: 'value', type: 'text' },
    module: { kind: 'value', type: 'text' },
  };
  for (const field of module.fields) {
    const options = (field.options ?? {}) as { module?: string; moduleField?: string; multiple?: boolean };
    if (field.type === 'link' || field.type === 'assignment') {
      if (depth >= maxLinkDepth) fields[field.name] = { kind: 'link', depthLimit: true };
      else if (field.type === 'assignment') fields[field.name] = { kind: 'link', to: userShape };
      else {
        const target = options.module ? modules.get(options.module) : undefined;
        fields[field.name] = target
          ? { kind: 'link', to: shapeOf(modules, target, depth + 1) }
          : { kind: 'link' };
      }
    } else if (field.type === 'tags' || (field.type === 'dropdown' && options.multiple)) {
      fields[field.name] = { kind: 'list' };
    } else {
      fields[field.name] = { kind: 'value', type: field.type };
    }
  }
  return { module: module.name, fields };
}

export async function recordShape(db: Db, module: string): Promise<RecordShape | undefined> {
  const modules = new Map((await listModules(db)).map((m) => [m.name, m]));
  const found = modules.get(module);
  return found ? shapeOf(modules, found, 0) : undefined;
}
