/** Small in-memory stand-ins for the sending stage's ports, and fixture factories. */
import type { NotifyTemplateSettings } from '../../shared/config/settings';
import type { ReleasedMessageFacts } from '../../shared/domain/types';
import type { ComposedEmail } from '../../shared/email/compose';
import { toGraphMessage, type GraphMessage } from '../../shared/graph/graphMessage';
import { decideClaim } from '../../shared/notify/claim';
import type {
  ClaimOwner,
  ClaimResult,
  JobScheduler,
  LedgerEntry,
  LedgerKey,
  Mailer,
  NotificationLedger,
  SendAnswer,
  SendPacer,
  SentLookup,
  ToldBy,
} from '../../shared/notify/ports';
import { noticeKey, type SendDeps } from '../../shared/notify/sendNotification';
import type { DeliverDeps } from '../../shared/notify/deliver';
import { entityKeys } from '../../shared/store/notificationLedger';

export { ID_A, ID_B, ID_C } from '../support/mothers';
export { releasedFacts as release, noticeJob as job } from '../support/mothers';

export const TEMPLATE: NotifyTemplateSettings = {
  subject: undefined,
  intro: undefined,
  footer: undefined,
  language: 'en',
};

/** The ledger's rules over a Map, with the real claim decision, ETag-checked writes and a settable clock. */
export class MemoryLedger implements NotificationLedger {
  readonly rows = new Map<string, LedgerEntry & { etag: string; toldBy?: ToldBy }>();
  now = new Date('2026-08-21T10:00:00Z');
  private version = 0;

  private id(key: LedgerKey): string {
    const k = entityKeys(key);
    return `${k.partitionKey}/${k.rowKey}`;
  }

  private entry(
    owner: ClaimOwner,
    status: LedgerEntry['status'],
    extra: Partial<LedgerEntry> = {},
  ): LedgerEntry & { etag: string } {
    return {
      status,
      ...owner,
      claimedAt: this.now,
      attemptAt: undefined,
      marker: undefined,
      sentAt: undefined,
      dryRun: false,
      ...extra,
      etag: `e${++this.version}`,
    };
  }

  set(key: LedgerKey | ReleasedMessageFacts, entry: Partial<LedgerEntry>): void {
    this.rows.set(this.id(asKey(key)), this.entry({ jobId: 'other', deliveryId: 'other' }, 'claimed', entry));
  }

  get(key: LedgerKey | ReleasedMessageFacts): (LedgerEntry & { toldBy?: ToldBy }) | undefined {
    return this.rows.get(this.id(asKey(key)));
  }

  async claim(key: LedgerKey, owner: ClaimOwner): Promise<ClaimResult> {
    const existing = this.rows.get(this.id(key));
    if (!existing) {
      const row = this.entry(owner, 'claimed');
      this.rows.set(this.id(key), row);
      return { kind: 'claimed', etag: row.etag, takenOverFrom: undefined };
    }
    const decision = decideClaim(existing, owner, this.now);
    if (decision.kind === 'alreadyTold' || decision.kind === 'ownedElsewhere')
      return { kind: decision.kind, entry: existing };
    if (decision.kind === 'inDoubt') return { kind: 'inDoubt', etag: existing.etag, entry: existing };
    if (decision.kind === 'ours') return { kind: 'claimed', etag: existing.etag, takenOverFrom: undefined };
    const row = this.entry(owner, 'claimed');
    this.rows.set(this.id(key), row);
    return { kind: 'claimed', etag: row.etag, takenOverFrom: existing };
  }

  private replace(
    key: LedgerKey,
    etag: string,
    next: LedgerEntry & { etag: string; toldBy?: ToldBy },
  ): string | undefined {
    if (this.rows.get(this.id(key))?.etag !== etag) return undefined;
    this.rows.set(this.id(key), next);
    return next.etag;
  }

  async takeOver(key: LedgerKey, owner: ClaimOwner, etag: string): Promise<string | undefined> {
    return this.replace(key, etag, this.entry(owner, 'claimed'));
  }

  async markSending(key: LedgerKey, owner: ClaimOwner, etag: string, marker: string): Promise<string | undefined> {
    return this.replace(key, etag, this.entry(owner, 'sending', { attemptAt: this.now, marker }));
  }

  async markUnknown(
    key: LedgerKey,
    owner: ClaimOwner,
    etag: string,
    marker: string,
    attemptAt: Date,
  ): Promise<string | undefined> {
    return this.replace(key, etag, this.entry(owner, 'unknown', { attemptAt, marker }));
  }

  async markSent(key: LedgerKey, owner: ClaimOwner, etag: string, by: ToldBy, marker?: string): Promise<void> {
    const row = { ...this.entry(owner, 'sent', { sentAt: this.now, dryRun: by === 'dry-run', marker }), toldBy: by };
    if (this.replace(key, etag, row) !== undefined) return;
    if (this.rows.get(this.id(key))?.status !== 'sent') this.rows.set(this.id(key), row);
  }

  async release(key: LedgerKey, etag: string): Promise<boolean> {
    if (this.rows.get(this.id(key))?.etag !== etag) return false;
    this.rows.delete(this.id(key));
    return true;
  }
}

function asKey(key: LedgerKey | ReleasedMessageFacts): LedgerKey {
  return 'scope' in key ? key : noticeKey(key);
}

/** What the fake Graph does with the next sends, first queued first; then it accepts. */
export type FakeSendBehaviour =
  | { kind: 'accept' }
  /** Accepted (and in Sent Items), but the answer is lost or a 5xx. */
  | { kind: 'acceptThenUnknown' }
  /** Not accepted, and the answer is lost or a 5xx. */
  | { kind: 'unknownNotSent' }
  | { kind: 'refuse'; status: number }
  | { kind: 'throw'; error: Error };

/** Graph's sendMail and Sent Items over arrays: what went out, and when its Sent Items copy shows. */
export class MemoryMailer implements Mailer {
  readonly sent: Array<{ from: string; message: GraphMessage; saveToSentItems: boolean; marker: string; at: number }> =
    [];
  readonly script: FakeSendBehaviour[] = [];
  failWith: Error | undefined;
  /** 'cannotRead' models a missing Mail.Read grant. */
  sentItemsReadable = true;
  /** How long after acceptance a copy appears in Sent Items. */
  sentItemsDelayMs = 10_000;
  lookups = 0;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  async send(
    from: string,
    email: ComposedEmail,
    options: { saveToSentItems: boolean; marker: string },
  ): Promise<SendAnswer> {
    if (this.failWith) throw this.failWith;
    const behaviour = this.script.shift() ?? { kind: 'accept' };
    if (behaviour.kind === 'throw') throw behaviour.error;
    if (behaviour.kind === 'refuse')
      return {
        outcome: 'refused',
        status: behaviour.status,
        reason: `HTTP ${behaviour.status}`,
        retryAfterMs: undefined,
      };
    if (behaviour.kind === 'unknownNotSent') return { outcome: 'unknown', reason: 'HTTP 503' };
    this.sent.push({
      from,
      message: toGraphMessage(email),
      saveToSentItems: options.saveToSentItems,
      marker: options.marker,
      at: this.clock().getTime(),
    });
    return behaviour.kind === 'accept' ? { outcome: 'accepted' } : { outcome: 'unknown', reason: 'no answer' };
  }

  async findSent(from: string, marker: string): Promise<SentLookup> {
    this.lookups++;
    if (!this.sentItemsReadable) return 'cannotRead';
    const now = this.clock().getTime();
    return this.sent.some(
      (s) =>
        s.from === from &&
        s.saveToSentItems &&
        s.marker.toLowerCase() === marker.toLowerCase() &&
        s.at + this.sentItemsDelayMs <= now,
    )
      ? 'found'
      : 'notFound';
  }
}

export class CountingPacer implements SendPacer {
  slots = 0;
  async run<T>(_mailbox: string, send: () => Promise<T>): Promise<T> {
    this.slots++;
    return send();
  }
}

/** Jobs scheduled again, with their delay. */
export class MemoryScheduler implements JobScheduler {
  readonly scheduled: Array<{ jobText: string; delayMs: number }> = [];
  async later(jobText: string, delayMs: number): Promise<void> {
    this.scheduled.push({ jobText, delayMs });
  }
}

/** The same send deps with parts of their delivery machinery replaced (a failing mailer, another clock...). */
export function withDelivery(deps: SendDeps, over: Partial<DeliverDeps>): SendDeps {
  return { ...deps, delivery: { ...deps.delivery, ...over } };
}
