import type { Db } from './index.ts';

/**
 * Runs `work` in the caller's transaction when `db` is one, else in a new one: services
 * the workflow engine calls inside its step transaction use this to stay part of it.
 */
export function inTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}
