/**
 * Templates: `{{record.firstName}}`, `{{ record.amount | times: 1.2 | round: 2 }}`,
 * `{% if record.amount > 1000 %}big{% endif %}`, `{{ now | date: "%d %B %Y" }}`.
 *
 * The language is Liquid (LiquidJS), which cannot run code: it reads data and applies
 * filters, and nothing else. It runs strict: own properties only, no file tags (include,
 * render, layout), unknown filters refused at parse, bounded parse size, render time and
 * output. Every template is also checked here before it runs: its variables must start with
 * a known root and never name `__proto__`, `prototype` or `constructor`, and paths are
 * written out (`record[vars.key]` is refused) so the validator can check each one against
 * the flow's schemas (variables.ts).
 *
 * Speed: a template of plain `{{ path | filter: literal }}` outputs (nearly all of them) is
 * compiled to a closure over the same filter functions and the same property reads as
 * LiquidJS's; anything else renders through LiquidJS. Both are cached per template text.
 * A template that is exactly one `{{…}}` yields the raw value (a number stays a number).
 */
import { Liquid, type Template } from 'liquidjs';
import { forbiddenSegments } from './paths.ts';
import {
  defaultEnvironment,
  stringify,
  type TemplateEnvironment,
  TemplateValueError,
  templateFilters,
} from './template-filters.ts';
import { LinkedRecord, unwrapLinks } from './template-links.ts';

export { defaultEnvironment, filterNames, type TemplateEnvironment } from './template-filters.ts';

export const templateRoots = ['record', 'previous', 'steps', 'vars', 'trigger', 'user', 'now'] as const;
export type TemplateRoot = (typeof templateRoots)[number];

export type TemplateContext = { readonly [root in TemplateRoot]?: unknown };

export interface TemplateProblem {
  code: 'template.syntax' | 'template.unknownRoot' | 'template.forbiddenPath' | 'template.unknownFilter';
  message: string;
}

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** Liquid's limits: template size (characters), render time (ms), text produced (characters). */
export const templateLimits = Object.freeze({ parse: 100_000, renderMs: 200, memory: 10_000_000 });

// The filters read the workspace's formats from here: rendering is synchronous, so the
// environment of the render under way is the only one there can be.
let currentEnv: TemplateEnvironment = defaultEnvironment;

const liquid = new Liquid({
  ownPropertyOnly: true,
  strictFilters: true,
  strictVariables: false,
  jsTruthy: false,
  cache: false,
  parseLimit: templateLimits.parse,
  renderLimit: templateLimits.renderMs,
  memoryLimit: templateLimits.memory,
  outputEscape: (value: unknown) => stringify(value),
  relativeReference: false,
  root: [],
  partials: [],
  layouts: [],
});
for (const [name, fn] of Object.entries(templateFilters)) {
  liquid.registerFilter(name, (value: unknown, ...args: unknown[]) => fn(value, args, currentEnv));
}
for (const tag of ['include', 'render', 'layout', 'block']) {
  liquid.registerTag(tag, {
    parse() {
      throw new Error(`the {% ${tag} %} tag is not available in Weft templates`);
    },
    *render() {},
  });
}

interface FastOutput {
  /** A path's segments, or a literal (`{{ 7 | plus: 1 }}`). */
  segments: string[];
  literal?: unknown;
  filters: Array<{ fn: (typeof templateFilters)[string]; args: unknown[] }>;
}
type FastPart = string | FastOutput;

interface Compiled {
  problems: TemplateProblem[];
  variables: string[];
  /** Plain text, or text and outputs the fast renderer handles. */
  fast?: FastPart[];
  /** LiquidJS's parse, always kept (the fast renderer is held to it in tests). */
  liquid?: Template[];
  /** The expression of a template that is one `{{…}}` and nothing else. */
  single?: string;
}

const cache = new Map<string, Compiled>();
const cacheSize = 10_000;

/** Words Liquid reads as values, not variables. */
const liquidKeywords = new Set(['true', 'false', 'nil', 'null', 'empty', 'blank']);
const pathPattern = /^[A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*$/;
const filterPattern = /^([A-Za-z_]+)(?:\s*:\s*("(?:[^"\\]|\\.)*"|'[^']*'|-?\d+(?:\.\d+)?))?$/;

/** Splits on `|` outside quoted filter arguments. */
function splitFilters(source: string): string[] {
  const pieces: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const char of source) {
    if (quote === undefined && (char === '"' || char === "'")) quote = char;
    else if (char === quote) quote = undefined;
    if (char === '|' && quote === undefined) {
      pieces.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  pieces.push(current);
  return pieces;
}

/** The plain outputs the fast renderer takes; undefined for anything else (Liquid renders it). */
function fastParts(template: string): FastPart[] | undefined {
  if (template.includes('{%')) return undefined;
  const parts: FastPart[] = [];
  let index = 0;
  while (index < template.length) {
    const open = template.indexOf('{{', index);
    if (open === -1) break;
    const close = template.indexOf('}}', open + 2);
    if (close === -1) return undefined;
    if (open > index) parts.push(template.slice(index, open));
    const source = template.slice(open + 2, close);
    // Liquid's whitespace control ({{- … -}}) trims the text around: left to Liquid.
    if (source.startsWith('-') || source.endsWith('-')) return undefined;
    const [head = '', ...rest] = splitFilters(source);
    const path = head.trim();
    const literal = /^-?\d+(?:\.\d+)?$/.test(path)
      ? Number(path)
      : /^"[^"\\]*"$|^'[^']*'$/.test(path)
        ? path.slice(1, -1)
        : undefined;
    if (
      literal === undefined &&
      (!pathPattern.test(path) || liquidKeywords.has(path.split('.')[0] as string))
    )
      return undefined;
    const filters: FastOutput['filters'] = [];
    for (const text of rest) {
      const match = filterPattern.exec(text.trim());
      const fn = match ? templateFilters[match[1] as string] : undefined;
      if (!match || !fn || !Object.hasOwn(templateFilters, match[1] as string)) return undefined;
      const raw = match[2];
      // Liquid strings have no escapes: a backslash inside is Liquid's to read.
      if (raw?.startsWith('"') && raw.includes('\\')) return undefined;
      filters.push({
        fn,
        args:
          raw === undefined
            ? []
            : raw.startsWith('"') || raw.startsWith("'")
              ? [raw.slice(1, -1)]
              : [Number(raw)],
      });
    }
    parts.push(
      literal === undefined ? { segments: path.split('.'), filters } : { segments: [], literal, filters },
    );
    index = close + 2;
  }
  if (index < template.length) parts.push(template.slice(index));
  return parts;
}

function problemOf(error: unknown): TemplateProblem {
  const message = (error instanceof Error ? error.message : String(error)).replace(
    /, line:\d+, col:\d+$/,
    '',
  );
  if (/undefined filter/.test(message))
    return { code: 'template.unknownFilter', message: message.replace('undefined filter', 'unknown filter') };
  return { code: 'template.syntax', message };
}

function compile(template: string): Compiled {
  const cached = cache.get(template);
  if (cached) return cached;
  const problems: TemplateProblem[] = [];
  const variables = new Set<string>();
  let parsed: Template[] | undefined;
  try {
    parsed = liquid.parse(template);
    const analysis = liquid.analyzeSync(parsed, { partials: false });
    for (const [root, uses] of Object.entries(analysis.globals)) {
      if (!(templateRoots as readonly string[]).includes(root)) {
        problems.push({
          code: 'template.unknownRoot',
          message: `"${root}" is not something a template can read; variables start with ${templateRoots.join(', ')}`,
        });
        continue;
      }
      for (const use of uses) {
        const segments = use.segments.map((s) => (typeof s === 'object' ? undefined : String(s)));
        const path = segments.map((s) => s ?? '[…]').join('.');
        if (segments.includes(undefined)) {
          problems.push({
            code: 'template.syntax',
            message: `"${path}": write the path out (record.field); a path computed from another variable cannot be checked`,
          });
          continue;
        }
        variables.add(path);
      }
    }
    for (const use of Object.values(analysis.variables).flat()) {
      const bad = use.segments.find((s) => typeof s !== 'object' && forbiddenSegments.has(String(s)));
      if (bad !== undefined)
        problems.push({ code: 'template.forbiddenPath', message: `forbidden path segment "${String(bad)}"` });
    }
  } catch (error) {
    problems.push(problemOf(error));
  }
  if (/\{\{\s*\}\}/.test(template))
    problems.push({ code: 'template.syntax', message: '"{{}}" names no variable' });
  const compiled: Compiled = { problems, variables: [...variables] };
  if (problems.length === 0) {
    const fast = fastParts(template);
    if (fast) compiled.fast = fast;
    compiled.liquid = parsed;
    const single = /^\{\{(?!-)([\s\S]*?)(?<!-)\}\}$/.exec(template);
    if (single && !(single[1] as string).includes('}}')) compiled.single = single[1] as string;
  }
  if (cache.size >= cacheSize) cache.clear();
  cache.set(template, compiled);
  return compiled;
}

export function validateTemplate(template: string): TemplateProblem[] {
  return compile(template).problems;
}

/** Variable paths a template reads, e.g. `['record.firstName', 'steps.n2.output.id']`. */
export function referencedVariables(template: string): string[] {
  return compile(template).variables;
}

/** LiquidJS's property read (own properties only; `size`, `first`, `last`), for the fast renderer. */
function readKey(value: unknown, key: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (value instanceof LinkedRecord) return value.read(key);
  const own = Object.hasOwn(Object(value), key) ? (value as Record<string, unknown>)[key] : undefined;
  if (typeof own === 'function') return undefined;
  if (key === 'size' && own === undefined)
    return Array.isArray(value) || typeof value === 'string'
      ? value.length
      : typeof value === 'object'
        ? Object.keys(value).length
        : undefined;
  if (key === 'first' && Array.isArray(value)) return value[0];
  if (key === 'last' && Array.isArray(value)) return value[value.length - 1];
  return own;
}

function evaluateFast(output: FastOutput, context: TemplateContext, env: TemplateEnvironment): unknown {
  let value: unknown = output.literal ?? context;
  for (const segment of output.segments) value = readKey(value, segment);
  for (const { fn, args } of output.filters) value = fn(value, args, env);
  return value;
}

function failure(error: unknown, template: string): TemplateError {
  let e: unknown = error;
  while (e instanceof Error && !(e instanceof TemplateValueError) && e.cause) e = e.cause;
  const message = (e instanceof Error ? e.message : String(e)).replace(/, line:\d+, col:\d+$/, '');
  return new TemplateError(`"${template.length > 80 ? `${template.slice(0, 80)}…` : template}": ${message}`);
}

/**
 * Renders a template. A template that is exactly one `{{…}}` yields the raw value (a number
 * stays a number, a list a list); anything else yields text. Throws TemplateError on a
 * template that validateTemplate would reject, or on a value a filter cannot take.
 */
export function render(
  template: string,
  context: TemplateContext,
  env: TemplateEnvironment = defaultEnvironment,
): unknown {
  const compiled = compile(template);
  const first = compiled.problems[0];
  if (first) throw new TemplateError(first.message);
  const previousEnv = currentEnv;
  currentEnv = env;
  try {
    const { fast, single } = compiled;
    if (fast) {
      if (fast.length === 1 && typeof fast[0] === 'object')
        return unwrapLinks(evaluateFast(fast[0], context, env));
      let text = '';
      for (const part of fast)
        text += typeof part === 'string' ? part : stringify(evaluateFast(part, context, env));
      if (text.length > templateLimits.memory) throw new TemplateValueError('the rendered text is too long');
      return text;
    }
    if (single !== undefined) return unwrapLinks(liquid.evalValueSync(single, context));
    return liquid.renderSync(compiled.liquid as Template[], context) as unknown;
  } catch (error) {
    throw failure(error, template);
  } finally {
    currentEnv = previousEnv;
  }
}

/** For tests: the same template through LiquidJS alone, to hold the fast renderer to it. */
export function renderWithLiquid(
  template: string,
  context: TemplateContext,
  env: TemplateEnvironment = defaultEnvironment,
): unknown {
  const compiled = compile(template);
  if (compiled.problems[0]) throw new TemplateError(compiled.problems[0].message);
  const previousEnv = currentEnv;
  currentEnv = env;
  try {
    if (compiled.single !== undefined) return liquid.evalValueSync(compiled.single, context) as unknown;
    return liquid.renderSync(compiled.liquid as Template[], context) as unknown;
  } finally {
    currentEnv = previousEnv;
  }
}

const hasTemplate = (value: string) => value.includes('{{') || value.includes('{%');

/** Renders every string inside a JSON value (node params), leaving other values as they are. */
export function renderDeep(
  value: unknown,
  context: TemplateContext,
  env: TemplateEnvironment = defaultEnvironment,
): unknown {
  if (typeof value === 'string') return hasTemplate(value) ? render(value, context, env) : value;
  if (Array.isArray(value)) return value.map((item) => renderDeep(item, context, env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, renderDeep(item, context, env)]),
    );
  }
  return value;
}

/** Every template string inside a JSON value, with its JSON-pointer location. */
export function templateStrings(value: unknown, pointer = ''): Array<{ pointer: string; template: string }> {
  if (typeof value === 'string') return hasTemplate(value) ? [{ pointer, template: value }] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => templateStrings(item, `${pointer}/${i}`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => templateStrings(item, `${pointer}/${key}`));
  }
  return [];
}
