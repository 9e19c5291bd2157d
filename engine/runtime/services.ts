/**
 * What actions may do to the rest of Weft. The server implements these over its own
 * services, bound to the step's transaction and to the run (writes carry the run's
 * causation, so the events they emit start other flows with a depth, never silently).
 */
import type { LinkFacts } from '../core/template-links.ts';
import type { CodeLanguage, CodeResult } from '../sandbox/protocol.ts';

export type RecordValues = Record<string, unknown>;

export interface EngineServices {
  /** Linked records for templates, as FactServices has them (test runs read facts from here). */
  links?: FactServices['links'];
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
    /** Whether a record is on a list: a member of a static one, or matched by a dynamic one's filter. */
    has(listId: string, recordId: string): Promise<boolean>;
    /** Which of these records are on the list (as `has` decides), in one query; null: no such list. */
    membersAmong(listId: string, recordIds: string[]): Promise<string[] | null>;
  };
  presence: {
    /** Signed in, active, not invisible (server/identity/presence.ts). */
    isOnline(userId: string): Promise<boolean>;
    /** Which of these users are online, in one query. */
    onlineAmong(userIds: string[]): Promise<string[]>;
  };
  feed: {
    post(input: {
      text: string;
      type?: 'post' | 'note' | 'workflow' | 'comment';
      /** null: Weft itself (the flow) wrote it; 'owner': the flow's owner; else a user id (or username). */
      authorId?: string | null;
      /** Notify the user whose feed the post is on (unless they wrote it). */
      notifyTarget?: boolean;
      /** These params become null, rather than failing the step, when they name no user (a record's group assignee). */
      orNobody?: readonly ('authorId' | 'targetUserId')[];
      module?: string | null;
      recordId?: string | null;
      targetUserId?: string | null;
      visibility?: 'public' | 'private';
    }): Promise<{ id: string; authorId: string | null; targetUserId: string | null }>;
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
    /**
     * The module's routing rules applied now, whether or not the module routes new records
     * (taking a turn); `assignee` null when they give nobody, `reason` saying why in words.
     */
    routeNow(module: string, record: RecordValues): Promise<{ assignee: string | null; reason: string }>;
  };
  email: {
    /**
     * Puts a message in the outbox within the step's transaction; it is delivered after the
     * step commits (or kept in the outbox when no SMTP server is configured). An invalid
     * address fails the step naming its field. When `doNotEmail` names the address of a
     * record that asked not to be emailed and it is among the recipients, nothing is sent
     * (if the respectDoNotEmail setting is on) and the answer says why.
     */
    send(message: EmailMessage): Promise<EmailSent>;
  };
  /**
   * A record's progress through a process, with every rule of the API (a refusal fails the
   * step, naming the rule). Flows act as administrators: roles and backdating do not hold them back.
   */
  processes: {
    change(input: {
      processId: string;
      module: string;
      recordId: string;
      action: 'start' | 'complete' | 'revert';
      stageId: string;
      comment?: string | null | undefined;
    }): Promise<ProcessProgressAnswer>;
    /** For `processStatus`: record id → stage id → status (stages not listed have not started). */
    statusAmong(
      processId: string,
      recordIds: string[],
    ): Promise<Record<string, Record<string, 'started' | 'completed'>>>;
  };
  code: {
    /**
     * Runs a code step in the sandbox pool (engine/sandbox): never on the caller's event
     * loop. `timeLimitMs` is capped by the admin's setting; memory and output limits are the
     * sandbox's defaults. Resolves with the output or the code's error, never rejects for the
     * code's own failures.
     */
    run(request: CodeRequest): Promise<CodeResult>;
  };
  /** Email marketing (server/marketing/), for its actions. */
  marketing: {
    /** A template rendered for the current record; null when there is no such template. */
    renderTemplate(
      templateId: string,
      record: RecordValues | null,
    ): Promise<{
      subject: string;
      html: string | null;
      text: string | null;
      category: string | null;
      /** List-Unsubscribe and List-Unsubscribe-Post (RFC 8058) when the template is marketing mail. */
      headers?: Record<string, string>;
      /** Set (and nothing tracked) when the record's address unsubscribed from the template's category, or from all. */
      unsubscribed?: string;
    } | null>;
    /** Puts a record on a newsletter (a record without an address is a 4xx). */
    addToNewsletter(newsletterId: string, module: string, recordId: string): Promise<{ added: boolean }>;
    /** Launches a draft campaign now. */
    launchCampaign(campaignId: string): Promise<{ status: string; queued: number }>;
    /** Whether a marketing email to the record was opened (optionally of a campaign or template, within a window). */
    earlierEmailOpened(query: {
      module: string;
      recordId: string;
      campaignId?: string | undefined;
      templateId?: string | undefined;
      withinSeconds?: number | undefined;
    }): Promise<boolean>;
    /** One text message through the configured provider; nothing when the record said "do not text". */
    sendSms(message: {
      to: string;
      body: string;
      module: string | null;
      recordId: string | null;
      idempotencyKey: string;
    }): Promise<{ id: string; status: string; providerId: string | null }>;
    /** Answers a targeted-content request of the web tracker (the first answer wins). */
    pushWebContent(requestId: string, content: string): Promise<{ delivered: boolean }>;
  };
  http: {
    /**
     * One outbound request, refused before connecting when the target is private,
     * loopback or link-local (unless allow-listed). Any HTTP status is answered.
     */
    request(request: HttpCall): Promise<HttpAnswer>;
  };
}

export interface EmailMessage {
  /** Comma-separated address fields. */
  to: string;
  cc?: string | undefined;
  bcc?: string | undefined;
  subject: string;
  text?: string | undefined;
  html?: string | undefined;
  module?: string | null;
  recordId?: string | null;
  doNotEmail?: string | null;
  /** Stable across attempts of the step: the outbox keeps one message per key. */
  idempotencyKey: string;
  /**
   * Who it is from: a sending account, a user's own account (the record's owner), the
   * flow's acting user's, or the account a setting names; absent: the system sender.
   */
  from?:
    | { account: string }
    | { user: string | null }
    | { flowUser: true }
    | { role: 'notification' | 'webLead' | 'case' }
    | undefined;
  /** Appends the sender's signature. */
  sign?: boolean | undefined;
  /** Extra headers (List-Unsubscribe of marketing mail). */
  headers?: Record<string, string> | undefined;
}

export type EmailSent =
  | { messageId: string; status: 'stored' | 'queued' }
  | { skipped: 'doNotEmail'; reason: string };

export interface CodeRequest {
  source: string;
  language: CodeLanguage;
  /** record, previous, trigger, user, vars, steps as JSON. */
  input: Record<string, unknown>;
  /** The run's clock, what `Date.now()` answers inside. */
  now: number;
  timeLimitMs?: number;
}

export interface HttpCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface ProcessProgressAnswer {
  processId: string;
  currentStage: string | null;
  completed: boolean;
  stages: { id: string; name: string; status: 'notStarted' | 'started' | 'completed' }[];
}

/** What gathering facts for conditions reads (engine/runtime/facts.ts); the dispatcher has it without a run. */
export interface FactServices {
  lists: Pick<EngineServices['lists'], 'membersAmong'>;
  presence: Pick<EngineServices['presence'], 'onlineAmong'>;
  processes: Pick<EngineServices['processes'], 'statusAmong'>;
  /**
   * The records a record's link fields lead to, by path (`company`, `company.parent`;
   * paths that are not link fields are left out), at most three links deep; an assignment
   * leads to the user's profile. Absent: templates read link fields as the ids they hold.
   */
  links?: { load(record: Record<string, unknown>, paths: readonly string[]): Promise<LinkFacts> };
}

/** Actions receive `ctx.services` typed loosely by the core; this narrows it. */
export const servicesOf = (ctx: { services: unknown }) => ctx.services as EngineServices;
