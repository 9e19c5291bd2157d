import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardedSender, namesOf, parseEmail, zapLineBreaks } from './email.ts';

test('a message: addresses bare and lower-cased, Bcc from the envelope, attachments by name and size', async () => {
  const raw = Buffer.from(
    [
      'From: "Ann Lee" <Ann@Example.com>',
      'To: Sales <sales@crm.test>, bob@example.org',
      'Cc: dropbox@crm.test',
      'Subject: Quote',
      'Message-ID: <q-1@example.com>',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'Hello',
      '--b',
      'Content-Type: text/csv; name="seats.csv"',
      'Content-Disposition: attachment; filename="seats.csv"',
      '',
      'a,b',
      '--b--',
      '',
    ].join('\r\n'),
  );
  const email = await parseEmail(raw, ['Hidden@CRM.test']);
  assert.equal(email.parseError, null);
  assert.equal(email.messageId, '<q-1@example.com>');
  assert.deepEqual(email.from, { address: 'ann@example.com', name: 'Ann Lee' });
  assert.deepEqual(email.to, ['sales@crm.test', 'bob@example.org', 'hidden@crm.test']);
  assert.deepEqual(email.cc, ['dropbox@crm.test']);
  assert.equal(email.text.trim(), 'Hello');
  assert.deepEqual(email.attachments, [{ filename: 'seats.csv', contentType: 'text/csv', size: 3 }]);
  assert.equal(email.contentType, 'multipart/mixed');
});

test('bytes that are not a message are reported, not thrown; the id is derived from the bytes', async () => {
  const email = await parseEmail(Buffer.from('\u0000\u0001 not mail'));
  assert.match(email.parseError ?? '', /not a MIME message/);
  assert.match(email.messageId, /^<[0-9a-f]{64}@weft\.no-message-id>$/);
  assert.equal((await parseEmail(Buffer.from('\u0000\u0001 not mail'))).messageId, email.messageId);
});

test('zap line breaks joins a paragraph’s lines and keeps paragraphs', () => {
  assert.equal(zapLineBreaks('one\ntwo\r\nthree\n\nnext\npara'), 'one two three\n\nnext para');
});

test('the sender of a forwarded conversation', () => {
  assert.deepEqual(
    forwardedSender('FYI\n\n-- Forwarded --\nFrom: Carol King <carol@Example.net>\nSubject: x'),
    {
      address: 'carol@example.net',
      name: 'Carol King',
    },
  );
  assert.deepEqual(forwardedSender('> From: dave@example.com'), { address: 'dave@example.com', name: '' });
  assert.equal(forwardedSender('no header here'), null);
});

test('names from a display name, or from the address when allowed', () => {
  assert.deepEqual(namesOf('a@x.test', 'Mary Ann Smith', false), {
    firstName: 'Mary Ann',
    lastName: 'Smith',
  });
  assert.deepEqual(namesOf('a@x.test', 'Cher', false), { firstName: 'Cher', lastName: '-' });
  assert.equal(namesOf('a@x.test', '', false), null);
  assert.deepEqual(namesOf('a.b@x.test', '', true), { firstName: 'a.b', lastName: '-' });
});
