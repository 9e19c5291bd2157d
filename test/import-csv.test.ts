import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { parseSimpleCsv, readTable } from '../server/data/import-parse.ts';

// The import reads common CSV with its own scanner and leaves anything else to csv-parse
// (import-parse.ts): wherever the scanner answers, it must answer what csv-parse does with
// the import's options, and where csv-parse refuses a file the scanner must not answer.
const options = { bom: true, relax_column_count: true, skip_empty_lines: true } as const;

function reference(text: string): string[][] | Error {
  try {
    return parse(text, options) as string[][];
  } catch (error) {
    return error as Error;
  }
}

/** A small random generator, seeded: the same files on every run. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const pieces = ['a', 'bc', 'é✓', ' ', ',', ',', '"', '""', '\n', '\n', '\r\n', '\r', '', '\uFEFF'];

function randomFile(next: () => number, wellFormed: boolean): string {
  if (!wellFormed) {
    let text = '';
    const length = Math.floor(next() * 30);
    for (let i = 0; i < length; i++) text += pieces[Math.floor(next() * pieces.length)];
    return text;
  }
  // Quoted or bare fields, LF or CRLF throughout: what the scanner should take itself.
  const ending = next() < 0.5 ? '\n' : '\r\n';
  const lines: string[] = [];
  const count = Math.floor(next() * 6);
  for (let r = 0; r < count; r++) {
    const cells: string[] = [];
    const width = Math.floor(next() * 4);
    for (let c = 0; c < width; c++) {
      const quoted = next() < 0.4;
      let cell = '';
      const length = Math.floor(next() * 4);
      for (let k = 0; k < length; k++) {
        const piece = ['x', 'yz', ' ', 'ü', ...(quoted ? [',', '""', '\n', '\r\n'] : [])];
        cell += piece[Math.floor(next() * piece.length)];
      }
      cells.push(quoted ? `"${cell}"` : cell);
    }
    lines.push(cells.join(','));
  }
  return (next() < 0.2 ? '\uFEFF' : '') + lines.join(ending) + (next() < 0.5 ? ending : '');
}

test('the scanner answers what csv-parse answers, or leaves the file to it', () => {
  const next = random(19);
  let answered = 0;
  for (let i = 0; i < 20_000; i++) {
    const text = randomFile(next, i % 2 === 0);
    const mine = parseSimpleCsv(text, Number.POSITIVE_INFINITY);
    if (mine === null) continue;
    answered++;
    const theirs = reference(text);
    assert.ok(!(theirs instanceof Error), `csv-parse refuses ${JSON.stringify(text)}: ${String(theirs)}`);
    assert.deepEqual(mine, theirs, JSON.stringify(text));
  }
  // Most well-formed files are read by the scanner (else this test would compare nothing).
  assert.ok(answered > 9_000, `only ${answered} files read by the scanner`);
});

test('a limit stops after that many records, as csv-parse`s `to` does', () => {
  const text = 'a,b\n1,2\n\n"3\n",4\n5,6\n';
  assert.deepEqual(parseSimpleCsv(text, 3), parse(text, { ...options, to: 3 }));
});

test('files the scanner leaves to csv-parse are still read, or refused in its words', async () => {
  assert.deepEqual((await readTable(Buffer.from('name\r"a"\rb\r'), 'csv')).rows, [['a'], ['b']]);
  await assert.rejects(readTable(Buffer.from('name\n"open\n'), 'csv'), /is not valid CSV: Quote Not Closed/);
  await assert.rejects(
    readTable(Buffer.from('name\nab"c\n'), 'csv'),
    /is not valid CSV: Invalid Opening Quote/,
  );
});
