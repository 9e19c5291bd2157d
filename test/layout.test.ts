/**
 * The code's layout holds what server/README.md promises: feature folders under `server/`
 * import one another without cycles, `engine/core` imports nothing from the server or the
 * database, and every feature folder has a plugin and a README.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '..');
/** Infrastructure, not features: any feature may import them. */
const infrastructure = new Set(['db', 'plugins', 'types']);
const importPattern = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const full = path.join(directory, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(importPattern)].map((match) =>
    path.relative(root, path.resolve(path.dirname(file), match[1] ?? '')),
  );
}

const serverDirectory = path.join(root, 'server');
const features = readdirSync(serverDirectory).filter(
  (name) => statSync(path.join(serverDirectory, name)).isDirectory() && !infrastructure.has(name),
);

/** feature → the features it imports. */
function featureGraph(): Map<string, Set<string>> {
  const graph = new Map(features.map((feature) => [feature, new Set<string>()]));
  for (const feature of features) {
    for (const file of sourceFiles(path.join(serverDirectory, feature))) {
      for (const target of importsOf(file)) {
        const [top, folder] = target.split(path.sep);
        if (top === 'server' && folder && folder !== feature && graph.has(folder))
          graph.get(feature)?.add(folder);
      }
    }
  }
  return graph;
}

test('feature folders under server/ import one another without a cycle', () => {
  const graph = featureGraph();
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[] = [];
  const visit = (feature: string, trail: string[]) => {
    if (state.get(feature) === 'done') return;
    if (state.get(feature) === 'visiting') {
      cycles.push([...trail.slice(trail.indexOf(feature)), feature].join(' → '));
      return;
    }
    state.set(feature, 'visiting');
    for (const next of graph.get(feature) ?? []) visit(next, [...trail, feature]);
    state.set(feature, 'done');
  };
  for (const feature of features) visit(feature, []);
  assert.deepEqual(cycles, []);
});

test('every feature folder has its plugin and a README', () => {
  for (const feature of features) {
    assert.ok(existsSync(path.join(serverDirectory, feature, 'plugin.ts')), `server/${feature}/plugin.ts`);
    assert.ok(existsSync(path.join(serverDirectory, feature, 'README.md')), `server/${feature}/README.md`);
  }
});

test('engine/core imports nothing from the server, the runtime or the database', () => {
  const offending = sourceFiles(path.join(root, 'engine', 'core')).flatMap((file) =>
    importsOf(file)
      .filter((target) => !target.startsWith(`engine${path.sep}core`) && !target.startsWith('schemas'))
      .map((target) => `${path.relative(root, file)} → ${target}`),
  );
  assert.deepEqual(offending, []);
});
