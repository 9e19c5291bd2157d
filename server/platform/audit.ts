import type { Db } from '../db/index.ts';

export interface Actor {
  id: string | null;
  username: string | null;
  ip?: string | null;
}

/** Records an administrative action. Call it inside the transaction of the change it describes. */
export async function audit(
  db: Db,
  actor: Actor,
  action: string,
  target: { type: string; id: string } | null,
  details: Record<string, unknown> | null = null,
): Promise<void> {
  await db
    .insertInto('auditLog')
    .values({
      actorId: actor.id,
      actorName: actor.username,
      action,
      targetType: target?.type ?? null,
      targetId: target?.id ?? null,
      details: details ? JSON.stringify(details) : null,
      ip: actor.ip ?? null,
    })
    .execute();
}
