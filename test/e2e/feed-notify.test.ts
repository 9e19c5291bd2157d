/**
 * Issue 20 in a real Chromium against a real server with the engine running: a flow
 * notifies a user, who sees the bell, the post in the feed and on the record (live); their
 * profile is the seed guide's snapshot; an administrator switches a system post type off.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminPassword } from '../helpers/app.ts';
import { ensureDesignerBuilt, launchChromium } from '../helpers/browser.ts';
import { onTestEnd } from '../helpers/cleanup.ts';
import { engineTestApp, straightFlow } from '../helpers/engine.ts';
import { signedInUser } from '../helpers/people.ts';
import { openPage, shot, signIn, unexpectedErrors } from './helpers.ts';

ensureDesignerBuilt();
const { app, db, admin, publish } = await engineTestApp();
const bea = await signedInUser(app, db, admin, 'bea');
await bea.request('PATCH', '/api/me', { firstName: 'Bea', lastName: 'Smith', phone: '+44 20 7946 0000' });
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const browser = await launchChromium();
onTestEnd(() => browser.close());
const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });

test('a flow notifies a user: the bell, the post in the feed, and on the record', async () => {
  await publish(
    straightFlow(
      'Tell Bea about new leads',
      { type: 'trigger.recordCreated', params: { module: 'contacts' } },
      [
        [
          'tell',
          'notification.create',
          { userId: bea.userId, text: 'Call {{record.firstName}} {{record.lastName}} today' },
        ],
      ],
    ),
  );
  await signIn(page, base, 'bea', 'password-for-tests');
  await page.getByTestId('dashboard').waitFor();
  await page.locator('[data-testid="unread-count"][data-count="0"]').waitFor();

  const created = await admin.request('POST', '/api/records/contacts', {
    firstName: 'Ada',
    lastName: 'Lovelace',
    assignedTo: bea.userId,
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;

  // Live, without a reload: the flow's notification and the assignment's, in the bell and on home.
  await page.locator('[data-testid="unread-count"][data-count="2"]').waitFor();
  const unread = page.getByTestId('unread-notifications');
  await unread.getByText('Call Ada Lovelace today').waitFor();
  await unread.getByText('Contact “Ada Lovelace” was assigned to you').waitFor();
  // The feed on home has the notification's post (private to Bea).
  const feed = page.getByTestId('feed');
  await feed.getByText('Call Ada Lovelace today').waitFor();
  await feed.getByText('Notification').first().waitFor();
  await shot(page, 'feed-01-home-notified');

  // Opening the notification opens the record, whose Activity shows the post and its own story.
  await unread.getByText('Call Ada Lovelace today').click();
  await page.getByTestId('record-page').waitFor();
  assert.equal(new URL(page.url()).pathname, `/records/contacts/${id}`);
  await page.getByRole('tab', { name: 'Activity' }).click();
  const activity = page.getByRole('tabpanel', { name: 'Activity' });
  await activity.getByText('Call Ada Lovelace today').waitFor();
  await activity.getByText('Contact “Ada Lovelace” created').waitFor();
  await activity.getByText('Record created').waitFor();
  await shot(page, 'feed-02-record-activity');

  // Clearing the notifications keeps the posts.
  assert.equal((await bea.request('DELETE', '/api/notifications')).statusCode, 204);
  await page.locator('[data-testid="unread-count"][data-count="0"]').waitFor();
  await page.reload();
  await page.getByRole('tab', { name: 'Activity' }).click();
  await page.getByRole('tabpanel', { name: 'Activity' }).getByText('Call Ada Lovelace today').waitFor();
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('profile: contact details, open tasks, where I sign in, my own activity; notification preferences', async () => {
  const task = await admin.request('POST', '/api/records/tasks', {
    subject: 'Send Ada the proposal',
    assignedTo: bea.userId,
  });
  assert.equal(task.statusCode, 201, task.body);
  await page.getByRole('button', { name: 'User menu' }).click();
  await page
    .getByRole('menuitem', { name: /profile/i })
    .first()
    .click();
  await page.getByLabel('Phone').waitFor();
  assert.equal(await page.getByLabel('Phone').inputValue(), '+44 20 7946 0000');
  await page.getByTestId('my-tasks').getByRole('link', { name: 'Send Ada the proposal' }).waitFor();
  await page.getByTestId('login-locations').getByText('This computer').waitFor();
  await page.getByTestId('profile-feed').getByText('Call Ada Lovelace today').waitFor();
  // Editable by the user.
  await page.getByLabel('Title').fill('Account manager');
  await page.getByRole('button', { name: 'Save' }).first().click();
  await page
    .getByText('Account manager')
    .or(page.locator('input[value="Account manager"]'))
    .first()
    .waitFor();
  await shot(page, 'feed-03-profile');

  await page.getByRole('tab', { name: 'Preferences' }).click();
  const assignments = page.getByLabel('Notify me when a record is assigned to me');
  assert.equal(await assignments.isChecked(), true);
  await assignments.click({ force: true });
  await page.getByText('Notification preferences saved').waitFor();
  assert.equal((await bea.request('GET', '/api/notifications/preferences')).json().assignments, false);
  await shot(page, 'feed-04-preferences');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('an administrator switches a system post type off in the settings', async () => {
  const adminPage = await openPage(browser, { width: 1440, height: 900 });
  await signIn(adminPage.page, base, 'admin', adminPassword);
  await adminPage.page.goto(`${base}/admin/settings`);
  const section = adminPage.page.getByTestId('feed-settings');
  const updated = section.getByRole('switch', { name: /^Record updated/ });
  await updated.waitFor();
  assert.equal(await updated.isChecked(), true);
  await updated.click({ force: true });
  await adminPage.page.getByText('Record updated posts off').waitFor();
  assert.equal((await admin.request('GET', '/api/settings')).json().feedSystemPosts['record-updated'], false);
  await section.getByLabel('Days to keep Web lead posts').fill('30');
  await section.getByRole('button', { name: 'Apply retention' }).click();
  await adminPage.page.getByText('Retention saved').waitFor();
  assert.deepEqual((await admin.request('GET', '/api/settings')).json().feedRetentionDaysByType, {
    'web-lead': 30,
  });
  await shot(adminPage.page, 'feed-05-settings');
  assert.deepEqual(unexpectedErrors(adminPage.pageErrors), []);
  await adminPage.context.close();
});

test('the designer draws "Post to activity feed" with named choices: type, author, whose feed, notify', async () => {
  const flowId = await publish(
    straightFlow(
      'Post about new contacts',
      { type: 'trigger.recordCreated', params: { module: 'contacts' } },
      [
        [
          'post',
          'feed.post',
          {
            text: 'Welcome {{record.firstName}}',
            type: 'note',
            author: 'assignee',
            feed: 'user',
            targetUserId: bea.userId,
            notify: true,
          },
        ],
      ],
    ),
  );
  const designer = await openPage(browser, { width: 1440, height: 900 });
  await signIn(designer.page, base, 'admin', adminPassword);
  await designer.page.goto(`${base}/flows/${flowId}`);
  await designer.page.getByTestId('node-post').click();
  await designer.page.getByRole('tab', { name: 'Node' }).click();
  const panel = designer.page.getByTestId('node-panel');
  await panel.waitFor();
  for (const label of ['Post type', 'Author', 'Whose feed', 'Notify the user whose feed it is on']) {
    await panel.getByText(label, { exact: true }).first().waitFor();
  }
  await shot(designer.page, 'feed-06-designer-post-node');
  // Choices read as words, not identifiers.
  await panel.getByText('Note', { exact: true }).or(panel.locator('input[value="Note"]')).first().waitFor();
  await panel
    .locator('input[value="The record\'s assignee"]')
    .or(panel.getByText("The record's assignee", { exact: true }))
    .first()
    .waitFor();
  await shot(designer.page, 'feed-06-designer-post-node');
  assert.deepEqual(unexpectedErrors(designer.pageErrors), []);
  await designer.context.close();
});

test("a post's author opens their profile: details, their activity, open tasks; sign-in places only for admins", async () => {
  await page.goto(`${base}/feed`);
  const post = page
    .getByTestId('feed')
    .locator('[data-testid^="post-"]')
    .filter({ hasText: 'Contact “Ada Lovelace” created' });
  await post.getByRole('link', { name: 'Weft Administrator' }).click();
  const person = page.getByTestId('person-page');
  await person.getByRole('heading', { name: 'Weft Administrator' }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/people/${admin.userId}`);
  await person.getByText('Contact details').waitFor();
  await page.getByTestId('person-feed').getByText('Contact “Ada Lovelace” created').waitFor();
  await person.getByText('Open tasks', { exact: true }).waitFor();
  assert.equal(await page.getByTestId('login-locations').count(), 0, 'not for a colleague');
  await shot(page, 'feed-07-person');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});
