/**
 * Issue 17's admin gaps in a real Chromium against a real server with the engine running:
 * a macro's "Available to" picked by role name in the designer, the designer's Settings tab
 * saying who the flow acts as, its Trigger log tab listing the trigger's evaluations, and a
 * user of a restricted role running the macro from a record page and reading how it ended;
 * the action-history privacy setting chosen in words.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { adminPassword } from '../helpers/app.ts';
import { ensureDesignerBuilt, launchChromium } from '../helpers/browser.ts';
import { onTestEnd } from '../helpers/cleanup.ts';
import { engineTestApp, eventually, straightFlow } from '../helpers/engine.ts';
import { signedInUser } from '../helpers/people.ts';
import { openPage, shot, signIn, unexpectedErrors } from './helpers.ts';

ensureDesignerBuilt();
const { app, db, admin, publish, create } = await engineTestApp();
// A restricted role: sees and edits contacts, nothing else; not an admin.
const rep = await signedInUser(app, db, admin, 'rep', {
  contacts: { view: 'all', create: 'own', update: 'own', delete: 'none' },
});
await rep.request('PATCH', '/api/me', { firstName: 'Rita', lastName: 'Rep' });
const repRole = (
  await db
    .selectFrom('userRoles')
    .innerJoin('users', 'users.id', 'userRoles.userId')
    .select('roleId')
    .where('users.username', '=', 'rep')
    .executeTakeFirstOrThrow()
).roleId;
await admin.request('PATCH', `/api/roles/${repRole}`, { name: 'Field reps' });
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const browser = await launchChromium();
onTestEnd(() => browser.close());

const macroId = await publish(
  straightFlow('Mark as hot', { type: 'trigger.macro', params: { module: 'contacts', roles: [repRole] } }, [
    ['tag', 'record.tags', { action: 'add', tags: ['hot'] }],
  ]),
);

test('designer: the macro’s roles by name, who the flow acts as, and the flow’s trigger log', async () => {
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  const logged = await publish(
    straightFlow('Welcome new contacts', { type: 'trigger.recordCreated', params: { module: 'contacts' } }, [
      ['tag', 'record.tags', { action: 'add', tags: ['new'] }],
    ]),
  );
  await create('contacts', { firstName: 'Log', lastName: 'Me' });
  await eventually(async () => {
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from flow_trigger_log where flow_id = ${logged}`.execute(db);
    return (rows[0]?.n ?? 0) > 0;
  }, 'a trigger-log entry for the flow');

  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/flows/${macroId}`);
  await page.getByTestId('node-trigger').click();
  const panel = page.getByTestId('node-panel');
  await panel.getByText('Available to').first().waitFor();
  // The role shows by its name, never its id.
  await panel.getByText('Field reps').waitFor();
  assert.equal(await panel.getByText(repRole).count(), 0);
  await shot(page, 'macro-roles-picker');

  await page.getByRole('tab', { name: 'Settings' }).click();
  const acting = page.getByTestId('flow-acting');
  await acting.getByText('This flow acts as its owner').waitFor();
  await acting.getByTestId('flow-owner').getByText('(@admin)').waitFor();
  await acting.getByText('People who run this macro only need to be able to see the record').waitFor();
  await shot(page, 'flow-settings-acting');

  await page.goto(`${base}/flows/${logged}`);
  await page.getByRole('tab', { name: 'Trigger log' }).click();
  const log = page.getByTestId('flow-trigger-log');
  await log.getByTestId('trigger-log-entry').first().getByText('Run started').waitFor();
  await log.getByText('Record created').first().waitFor();
  await shot(page, 'flow-trigger-log');

  // Action-history privacy: a choice in words on the system settings.
  await page.goto(`${base}/admin/settings`);
  const privacy = page.getByRole('textbox', { name: 'Action history privacy' });
  await privacy.click();
  await page.getByRole('option', { name: 'Only their own changes' }).click();
  await privacy.scrollIntoViewIfNeeded();
  await shot(page, 'settings-history-privacy');
  await page.getByRole('button', { name: 'Save' }).first().click();
  await page.getByText('Settings saved').waitFor();
  assert.equal((await admin.request('GET', '/api/settings')).json().actionHistoryPrivacy, 'user');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});

test('a restricted user runs the macro from the record page and reads how it ended', async () => {
  const contact = await create('contacts', { firstName: 'Hot', lastName: 'Prospect' });
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'rep', 'password-for-tests');
  await page.goto(`${base}/records/contacts/${contact.id}`);
  await page.getByTestId('record-title').getByText('Hot Prospect').waitFor();
  await page.getByTestId('macro-button').click();
  await page.getByRole('menuitem', { name: 'Mark as hot' }).click();
  await page.getByTestId('macro-outcome').getByText('“Mark as hot” finished.').waitFor();
  await page.locator('.mantine-TagsInput-pill', { hasText: 'hot' }).waitFor();
  await shot(page, 'macro-run-restricted');
  const tags = (await admin.request('GET', `/api/records/contacts/${contact.id}`)).json().tags;
  assert.ok(tags.includes('hot'), JSON.stringify(tags));
  // The rep cannot open the flow itself.
  assert.equal((await rep.request('GET', `/api/flows/${macroId}`)).statusCode, 403);
  // Nothing on the record page asks for what this role may not see (the related records skip cases).
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});
