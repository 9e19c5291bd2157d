/**
 * The branding logo in outgoing email, through a real SMTP server: a system message (an
 * invitation), a flow's email (HTML kept, the logo above it) and the admin's test email carry
 * the uploaded logo as an inline image the HTML shows; without a logo, nothing is added.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEmailWorker } from '../server/email/email.ts';
import { logoCid } from '../server/email/email-branding.ts';
import { onTestEnd } from './helpers/cleanup.ts';
import { engineTestApp, eventually, straightFlow } from './helpers/engine.ts';
import { type ReceivedMail, startSmtpServer } from './helpers/smtp.ts';

const { app, db, admin, publish, runOn, create } = await engineTestApp();
const boss = app.boss as NonNullable<typeof app.boss>;
await startEmailWorker(boss, db, app.settings, { retryDelaySeconds: 1 });
onTestEnd(() => boss.offWork('weft.email.deliver'));
const smtp = await startSmtpServer();
const settings = await admin.request('PATCH', '/api/settings', {
  appName: 'Acme CRM',
  smtpHost: '127.0.0.1',
  smtpPort: smtp.port,
  smtpSecurity: 'none',
  emailFromAddress: 'crm@acme.test',
});
assert.equal(settings.statusCode, 200, settings.body);

/** A 1×1 PNG. */
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

const mailTo = (address: string) =>
  eventually(async () => smtp.received.find((mail) => mail.to.includes(address)), `mail to ${address}`);

/** The parts of a MIME message, each with its headers and its decoded body. */
function parts(mail: ReceivedMail) {
  const boundaries = [...mail.raw.matchAll(/boundary="?([^";\r\n]+)"?/g)].map((m) => m[1] as string);
  let chunks = [mail.raw];
  for (const boundary of boundaries) chunks = chunks.flatMap((chunk) => chunk.split(`--${boundary}`));
  return chunks.map((chunk) => {
    const [head = '', ...rest] = chunk.split(/\r?\n\r?\n/);
    const body = rest.join('\n\n');
    const decoded = /content-transfer-encoding:\s*base64/i.test(head)
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64')
      : Buffer.from(
          /quoted-printable/i.test(head)
            ? body
                .replace(/=\r?\n/g, '')
                .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(Number.parseInt(hex, 16)))
            : body,
          'latin1',
        );
    return { head, body: decoded };
  });
}

function assertLogo(mail: ReceivedMail) {
  const all = parts(mail);
  const image = all.find((part) => /content-type:\s*image\/png/i.test(part.head));
  assert.ok(image, 'an image part');
  assert.match(image.head, new RegExp(`content-id:\\s*<${logoCid}>`, 'i'));
  assert.match(image.head, /content-disposition:\s*inline/i);
  assert.ok(image.body.equals(png), 'the image is the uploaded logo, byte for byte');
  const html = all.find((part) => /content-type:\s*text\/html/i.test(part.head));
  assert.ok(html, 'an HTML part');
  assert.ok(html.body.toString('latin1').includes(`src="cid:${logoCid}"`));
  assert.ok(html.body.toString('latin1').includes('alt="Acme CRM"'));
  return {
    html: html.body.toString('utf8'),
    text: all.find((part) => /content-type:\s*text\/plain/i.test(part.head)),
  };
}

test('without a logo, an email has no image part', async () => {
  const invited = await admin.request('POST', '/api/users/invitations', { email: 'first@example.com' });
  assert.equal(invited.statusCode, 201, invited.body);
  const mail = await mailTo('first@example.com');
  assert.doesNotMatch(mail.raw, /content-type:\s*image\//i);
  assert.ok(!mail.raw.includes(logoCid));
});

test('with a logo: an invitation, a flow’s HTML email and the test email carry it inline', async () => {
  const uploaded = await admin.request('PUT', '/api/branding/logo', png, { 'content-type': 'image/png' });
  assert.equal(uploaded.statusCode < 300, true, uploaded.body);

  const invited = await admin.request('POST', '/api/users/invitations', { email: 'second@example.com' });
  assert.equal(invited.statusCode, 201, invited.body);
  const invitation = assertLogo(await mailTo('second@example.com'));
  assert.ok(invitation.text, 'the text part is still sent');
  assert.match(invitation.html, /invite\//, 'the HTML alternative holds the text (with its link)');

  const flowId = await publish(
    straightFlow('HTML hello', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      [
        'mail',
        'email.send',
        {
          to: '{{record.email}}',
          subject: 'Hello',
          html: '<html><body><p>Hello <b>{{record.firstName}}</b></p></body></html>',
        },
      ],
    ]),
  );
  const contact = await create('contacts', { firstName: 'Hedy', lastName: 'L', email: 'hedy@example.com' });
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  const flowMail = assertLogo(await mailTo('hedy@example.com'));
  assert.match(flowMail.html, /<body><div[^>]*><img src="cid:[^"]+"[^>]*><\/div><p>Hello <b>Hedy<\/b><\/p>/);

  const tested = await admin.request('POST', '/api/email/test', { to: 'tester@example.com' });
  assert.equal(tested.statusCode, 200, tested.body);
  assertLogo(await mailTo('tester@example.com'));
});
