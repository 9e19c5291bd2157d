/**
 * What actions may do to the rest of Weft. The server implements these over its own
 * services, bound to the step's transaction and to the run (writes carry the run's
 * causation, so the events they emit start other flows with a depth, never silently).
 */
export type RecordValues = Record<string, unknown>;

export interface EngineServices {
  records: {
    get(module: string, id: string): Promise<RecordValues | null>;
    create(module: string, values: RecordValues): Promise<RecordValues>;
    update(module: string, id: string, values: RecordValues): Promise<RecordValues>;
    delete(module: string, id: string): Promise<void>;
    /** Records of a module matching a json-logic `where` (the record list's), newest first, at most `limit`. */
    find(
      module: string,
      query: { where?: unknown; sort?: string; limit: number },
    ): Promise<{ items: RecordValues[]; more: boolean }>;
    /** What a link field of a module points at: a fixed module, or the module named by another field. */
    linkOf(module: string, field: string): Promise<{ module: string | null; moduleField: string | null }>;
  };
  /** Tag changes through the tags service: logged updates with `tag.added` / `tag.removed` events. */
  tags: {
    add(module: string, id: string, tags: string[]): Promise<string[]>;
    remove(module: string, id: string, tags: string[]): Promise<string[]>;
    clear(module: string, id: string): Promise<string[]>;
  };
  /** Static list membership; the record must be of the list's module. */
  lists: {
    add(listId: string, recordId: string): Promise<{ members: number }>;
    remove(listId: string, recordId: string): Promise<{ members: number }>;
  };
  feed: {
    post(input: {
      text: string;
      type?: 'post' | 'workflow' | 'comment';
      /** null: Weft itself (the flow) wrote it. */
      authorId?: string | null;
      module?: string | null;
      recordId?: string | null;
      targetUserId?: string | null;
      visibility?: 'public' | 'private';
    }): Promise<{ id: string }>;
  };
  notifications: {
    notify(input: {
      userId: string;
      text: string;
      module?: string | null;
      recordId?: string | null;
    }): Promise<{ id: string }>;
  };
  routing: {
    /** The assignee lead routing picks for a record of a module (null: nobody / routing off). */
    route(module: string, record: RecordValues): Promise<string | null>;
  };
}

/** Actions receive `ctx.services` typed loosely by the core; this narrows it. */
export const servicesOf = (ctx: { services: unknown }) => ctx.services as EngineServices;
