/**
 * The flows gallery's templates (designer/src/flows/flow-templates.ts) are real flows: each
 * validates without a problem against this server's node types and standard modules, so a
 * template opens as a draft that can be published as it is.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowTemplates } from '../designer/src/flows/flow-templates.ts';
import { createTestApp, login } from './helpers/app.ts';

const { app } = await createTestApp();
const admin = await login(app);

test('at least ten templates, each with its own id', () => {
  assert.ok(flowTemplates.length >= 10, `${flowTemplates.length} templates`);
  assert.equal(new Set(flowTemplates.map((t) => t.id)).size, flowTemplates.length);
});

for (const template of flowTemplates)
  test(`"${template.title}" has no problem`, async () => {
    const response = await admin.request('POST', '/api/flows/validate', template.flow);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json().problems, []);
  });
