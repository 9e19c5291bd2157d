/**
 * `{{record.firstName}}`, `{{steps.n2.output.id}}`, `{{record.email | lower}}`,
 * `{{vars.note | default:"none"}}`. A template names data and a fixed set of filters; it
 * is parsed, never evaluated, so there is nothing in it that could run code.
 */
import { forbiddenSegment, readPath } from './paths.ts';

export const templateRoots = ['record', 'previous', 'steps', 'vars', 'trigger', 'user', 'now'] as const;
export type TemplateRoot = (typeof templateRoots)[number];

export type TemplateContext = { readonly [root in TemplateRoot]?: unknown };

export interface TemplateFilter {
  name: string;
  arg?: string | number;
}

export interface TemplateExpression {
  path: string;
  filters: TemplateFilter[];
}

export interface TemplateProblem {
  code: 'template.syntax' | 'template.unknownRoot' | 'template.forbiddenPath' | 'template.unknownFilter';
  message: string;
}

export class TemplateError extends Error {
  override name = 'TemplateError';
}

function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const filters: Readonly<Record<string, (value: unknown, arg: string | number | undefined) => unknown>> =
  Object.freeze({
    upper: (value) => stringify(value).toUpperCase(),
    lower: (value) => stringify(value).toLowerCase(),
    trim: (value) => stringify(value).trim(),
    default: (value, arg) => (value === null || value === undefined || value === '' ? arg : value),
    json: (value) => JSON.stringify(value ?? null),
    join: (value, arg) => (Array.isArray(value) ? value.map(stringify).join(String(arg ?? ', ')) : value),
  });

export const filterNames: readonly string[] = Object.keys(filters);

const pathPattern = /^[A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*$/;
const filterPattern = /^([A-Za-z]+)(?:\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?))?$/;

type Part = string | TemplateExpression;

function parseExpression(source: string, problems: TemplateProblem[]): TemplateExpression | undefined {
  const [head = '', ...rest] = splitFilters(source);
  const path = head.trim();
  if (!pathPattern.test(path)) {
    problems.push({ code: 'template.syntax', message: `"{{${source}}}" does not name a variable` });
    return undefined;
  }
  const bad = forbiddenSegment(path);
  if (bad) {
    problems.push({ code: 'template.forbiddenPath', message: `"${path}": forbidden path segment "${bad}"` });
    return undefined;
  }
  const root = path.split('.')[0] as string;
  if (!(templateRoots as readonly string[]).includes(root)) {
    problems.push({
      code: 'template.unknownRoot',
      message: `"${path}" must start with one of ${templateRoots.join(', ')}`,
    });
  }
  const parsed: TemplateFilter[] = [];
  for (const text of rest) {
    const match = filterPattern.exec(text.trim());
    if (!match || !Object.hasOwn(filters, match[1] as string)) {
      problems.push({
        code: 'template.unknownFilter',
        message: `unknown filter "${text.trim()}" in "{{${source}}}"`,
      });
      continue;
    }
    const rawArg = match[2];
    const filter: TemplateFilter = { name: match[1] as string };
    if (rawArg !== undefined)
      filter.arg = rawArg.startsWith('"') ? (JSON.parse(rawArg) as string) : Number(rawArg);
    parsed.push(filter);
  }
  return { path, filters: parsed };
}

/** Splits on `|` outside double-quoted filter arguments. */
function splitFilters(source: string): string[] {
  const pieces: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i] as string;
    if (quoted && char === '\\') {
      current += char + (source[i + 1] ?? '');
      i += 1;
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === '|' && !quoted) {
      pieces.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  pieces.push(current);
  return pieces;
}

export function parseTemplate(template: string): { parts: Part[]; problems: TemplateProblem[] } {
  const parts: Part[] = [];
  const problems: TemplateProblem[] = [];
  let index = 0;
  while (index < template.length) {
    const open = template.indexOf('{{', index);
    if (open === -1) break;
    const close = template.indexOf('}}', open + 2);
    if (close === -1) {
      problems.push({ code: 'template.syntax', message: `unclosed "{{" at ${open}` });
      break;
    }
    if (open > index) parts.push(template.slice(index, open));
    const expression = parseExpression(template.slice(open + 2, close), problems);
    if (expression) parts.push(expression);
    index = close + 2;
  }
  if (index < template.length) parts.push(template.slice(index));
  return { parts, problems };
}

export function validateTemplate(template: string): TemplateProblem[] {
  return parseTemplate(template).problems;
}

/** Variable paths a template reads, e.g. `['record.firstName', 'steps.n2.output.id']`. */
export function referencedVariables(template: string): string[] {
  return [
    ...new Set(
      parseTemplate(template).parts.flatMap((part) => (typeof part === 'string' ? [] : [part.path])),
    ),
  ];
}

function evaluateExpression(expression: TemplateExpression, context: TemplateContext): unknown {
  let value = readPath(context, expression.path);
  for (const { name, arg } of expression.filters)
    value = (filters[name] as (typeof filters)[string])(value, arg);
  return value;
}

/**
 * Renders a template. A template that is exactly one `{{…}}` yields the raw value (a number
 * stays a number, a list a list); anything else yields text. Throws TemplateError on a
 * template that validateTemplate would reject.
 */
export function render(template: string, context: TemplateContext): unknown {
  const { parts, problems } = parseTemplate(template);
  const first = problems[0];
  if (first) throw new TemplateError(first.message);
  if (parts.length === 1 && typeof parts[0] === 'object') return evaluateExpression(parts[0], context);
  return parts
    .map((part) => (typeof part === 'string' ? part : stringify(evaluateExpression(part, context))))
    .join('');
}

/** Renders every string inside a JSON value (node params), leaving other values as they are. */
export function renderDeep(value: unknown, context: TemplateContext): unknown {
  if (typeof value === 'string') return value.includes('{{') ? render(value, context) : value;
  if (Array.isArray(value)) return value.map((item) => renderDeep(item, context));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderDeep(item, context)]));
  }
  return value;
}

/** Every template string inside a JSON value, with its JSON-pointer location. */
export function templateStrings(value: unknown, pointer = ''): Array<{ pointer: string; template: string }> {
  if (typeof value === 'string') return value.includes('{{') ? [{ pointer, template: value }] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => templateStrings(item, `${pointer}/${i}`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => templateStrings(item, `${pointer}/${key}`));
  }
  return [];
}
