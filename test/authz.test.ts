import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Action, PermissionMatrix, Scope } from '../server/db/types.ts';
import {
  canActOn,
  loadPrincipal,
  mergeMatrices,
  type Principal,
  scopeFor,
  visibleAssignees,
} from '../server/platform/authz.ts';
import { createTestDatabase } from './helpers/db.ts';

const principalWith = (roles: PermissionMatrix[], isAdmin = false): Principal => ({
  id: '00000000-0000-4000-8000-000000000001',
  username: 'someone',
  isAdmin,
  roleIds: [],
  groupIds: [],
  permissions: mergeMatrices(roles),
});

const scopeCases: {
  name: string;
  roles: PermissionMatrix[];
  isAdmin?: boolean;
  expect: [module: string, action: Action, scope: Scope][];
}[] = [
  { name: 'no role grants nothing', roles: [], expect: [['contacts', 'view', 'none']] },
  {
    name: 'a module row answers for its module only',
    roles: [{ contacts: { view: 'own' } }],
    expect: [
      ['contacts', 'view', 'own'],
      ['contacts', 'update', 'none'],
      ['accounts', 'view', 'none'],
    ],
  },
  {
    name: 'the * row answers for every module not listed',
    roles: [{ '*': { view: 'all', delete: 'own' } }],
    expect: [
      ['contacts', 'view', 'all'],
      ['anything', 'delete', 'own'],
      ['anything', 'create', 'none'],
    ],
  },
  {
    name: 'a module row overrides * within a role, an explicit none included',
    roles: [{ '*': { view: 'all', update: 'all' }, contacts: { update: 'own' }, salaries: { view: 'none' } }],
    expect: [
      ['contacts', 'update', 'own'],
      ['accounts', 'update', 'all'],
      ['salaries', 'view', 'none'],
      ['contacts', 'view', 'all'],
    ],
  },
  {
    name: 'the widest scope wins across roles on the same row',
    roles: [{ contacts: { view: 'own', update: 'all' } }, { contacts: { view: 'groups', update: 'none' } }],
    expect: [
      ['contacts', 'view', 'groups'],
      ['contacts', 'update', 'all'],
    ],
  },
  {
    name: "one role's * grant is not narrowed by another role's module row",
    roles: [{ '*': { view: 'all' } }, { contacts: { view: 'own', create: 'own' } }],
    expect: [
      ['contacts', 'view', 'all'],
      ['contacts', 'create', 'own'],
      ['accounts', 'view', 'all'],
      ['accounts', 'create', 'none'],
    ],
  },
  {
    name: "one role's none on a module does not take away another role's grant",
    roles: [{ '*': { view: 'all' }, salaries: { view: 'none' } }, { salaries: { view: 'own' } }],
    expect: [
      ['salaries', 'view', 'own'],
      ['contacts', 'view', 'all'],
    ],
  },
  {
    name: 'the widest * wins across roles',
    roles: [{ '*': { delete: 'own' } }, { '*': { delete: 'groups' } }],
    expect: [['contacts', 'delete', 'groups']],
  },
  {
    name: 'an admin gets all everywhere whatever the matrix says',
    roles: [{ '*': { view: 'none' }, contacts: { delete: 'own' } }],
    isAdmin: true,
    expect: [
      ['contacts', 'view', 'all'],
      ['contacts', 'delete', 'all'],
      ['anything', 'create', 'all'],
    ],
  },
];

for (const { name, roles, isAdmin, expect } of scopeCases) {
  test(`scopeFor: ${name}`, () => {
    const principal = principalWith(roles, isAdmin);
    for (const [module, action, scope] of expect) {
      assert.equal(scopeFor(principal, module, action), scope, `${module}.${action}`);
    }
  });
}

test('visibleAssignees and canActOn against the database', async (t) => {
  const { db } = await createTestDatabase();
  const newUser = async (username: string, active = true) =>
    (
      await db
        .insertInto('users')
        .values({ username, firstName: '', lastName: '', passwordHash: null, active })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const newGroup = async (name: string, members: string[]) => {
    const { id } = await db.insertInto('groups').values({ name }).returning('id').executeTakeFirstOrThrow();
    await db
      .insertInto('groupMembers')
      .values(members.map((userId) => ({ groupId: id, userId })))
      .execute();
    return id;
  };
  const [me, mate, stranger, loner] = await Promise.all(
    ['me', 'mate', 'stranger', 'loner'].map((name) => newUser(name)),
  );
  assert.ok(me && mate && stranger && loner);
  const mine = await newGroup('mine', [me, mate]);
  const theirs = await newGroup('theirs', [stranger]);
  const principal = await loadPrincipal(db, me);
  assert.ok(principal);
  assert.deepEqual(principal.groupIds, [mine]);

  const sorted = (ids: string[] | null) => (ids === null ? null : [...ids].sort());
  const reach: [Scope, string[] | null][] = [
    ['all', null],
    ['none', []],
    ['own', [me]],
    ['groups', [me, mate, mine]],
  ];
  for (const [scope, expected] of reach) {
    await t.test(`scope ${scope}`, async () => {
      assert.deepEqual(sorted(await visibleAssignees(db, principal, scope)), sorted(expected));
    });
  }

  await t.test('groups reach of a user in no group is their own records', async () => {
    const lonely = await loadPrincipal(db, loner);
    assert.ok(lonely);
    assert.deepEqual(await visibleAssignees(db, lonely, 'groups'), [loner]);
  });

  await t.test('canActOn follows the scope of the action', async () => {
    const acting = {
      ...principal,
      permissions: mergeMatrices([{ contacts: { view: 'groups', update: 'own', delete: 'none' } }]),
    };
    const cases: [Action, string | null, boolean][] = [
      ['view', me, true],
      ['view', mate, true],
      ['view', mine, true],
      ['view', stranger, false],
      ['view', theirs, false],
      ['view', null, false],
      ['update', me, true],
      ['update', mate, false],
      ['delete', me, false],
    ];
    for (const [action, assignee, allowed] of cases) {
      assert.equal(
        await canActOn(db, acting, 'contacts', action, assignee),
        allowed,
        `${action} ${assignee}`,
      );
    }
    assert.equal(await canActOn(db, { ...acting, isAdmin: true }, 'contacts', 'delete', null), true);
  });

  await t.test('an inactive user has no principal', async () => {
    await db.updateTable('users').set({ active: false }).where('id', '=', stranger).execute();
    assert.equal(await loadPrincipal(db, stranger), undefined);
  });
});
