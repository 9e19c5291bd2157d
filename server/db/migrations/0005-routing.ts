import { type Kysely, sql } from 'kysely';

/** Lead routing and case distribution: per-module settings, custom rules, rotation counters. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('routing_settings')
    // Deleting a custom module deletes its routing with it.
    .addColumn('module', 'text', (c) => c.primaryKey().references('modules.name').onDelete('cascade'))
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('mode', 'text', (c) =>
      c
        .notNull()
        .defaultTo('freeForAll')
        .check(sql`mode in ('freeForAll', 'roundRobin', 'singleUser', 'customRoundRobin')`),
    )
    .addColumn('online_only', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('when_nobody_online', 'text', (c) =>
      c.notNull().defaultTo('anyAvailable').check(sql`when_nobody_online in ('anyAvailable', 'unassigned')`),
    )
    // Round robin over these users; empty means every active, available user.
    .addColumn('user_ids', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('single_user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('routing_rules')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('module', 'text', (c) => c.notNull().references('routing_settings.module').onDelete('cascade'))
    // 0 is the highest priority: the first rule whose criteria match wins.
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('criteria', 'jsonb', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('users', 'usersInGroups', 'groups')`))
    .addColumn('user_ids', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('group_ids', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addUniqueConstraint('routing_rules_module_position_key', ['module', 'position'])
    .execute();

  // One row per rotation (a module's round robin, or one custom rule), locked by each turn.
  await db.schema
    .createTable('routing_counters')
    .addColumn('module', 'text', (c) => c.notNull().references('modules.name').onDelete('cascade'))
    // '' for the module's plain round robin, else the rule id.
    .addColumn('rotation', 'text', (c) => c.notNull())
    .addColumn('turns', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_assignee', 'uuid')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('routing_counters_pkey', ['module', 'rotation'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['routing_counters', 'routing_rules', 'routing_settings']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
