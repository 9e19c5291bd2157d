import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bareAddress, parseAddressList } from '../server/email/email-transport.ts';

test('address fields: comma-separated, with display names; anything else is a 400 naming the field', () => {
  const valid: [string, string[]][] = [
    ['', []],
    ['  ', []],
    ['ada@example.com', ['ada@example.com']],
    ['ada@example.com, bob@example.org', ['ada@example.com', 'bob@example.org']],
    ['Ada Lovelace <ada@example.com>', ['"Ada Lovelace" <ada@example.com>']],
    [
      '"Lovelace, Ada" <ada@example.com>; bob@example.org',
      ['"Lovelace, Ada" <ada@example.com>', 'bob@example.org'],
    ],
  ];
  for (const [input, expected] of valid) assert.deepEqual(parseAddressList('to', input), expected, input);

  for (const input of ['not an address', 'ada@', 'ada@localhost', 'ada@example.com, nope']) {
    assert.throws(
      () => parseAddressList('cc', input),
      (error: { statusCode: number; details: { field: string }[] }) =>
        error.statusCode === 400 && error.details[0]?.field === 'cc',
      input,
    );
  }
});

test('bareAddress compares recipients without names or case', () => {
  assert.equal(bareAddress('"Ada" <Ada@Example.com>'), 'ada@example.com');
  assert.equal(bareAddress('BOB@example.org'), 'bob@example.org');
});
