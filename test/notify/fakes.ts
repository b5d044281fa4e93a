/** Small in-memory stand-ins for the sending stage's ports, and fixture factories. */
import type { NotifyTemplateSettings } from '../../shared/config/settings';
import type { NotificationJob } from '../../shared/jobs/notificationJob';
import type { ReleasedMessageFacts } from '../../shared/domain/types';
import type { ComposedEmail } from '../../shared/email/compose';
import { toGraphMessage, type GraphMessage } from '../../shared/graph/graphMessage';
import type { Mailer } from '../../shared/notify/ports';
import { makeJob } from '../../shared/jobs/notificationJob';
import { decideClaim } from '../../shared/notify/claim';
import { entityKeys } from '../../shared/store/notificationLedger';
import { type ClaimOwner, type ClaimResult, type LedgerEntry, type LedgerKey, type NotificationLedger } from '../../shared/notify/ports';
import type { SendPacer } from '../../shared/notify/ports';

export const ID_A = '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d';
export const ID_B = '7e1d2c3b-4a59-4687-8b9a-0c1d2e3f4a5b';

export function release(overrides: Partial<ReleasedMessageFacts> = {}): ReleasedMessageFacts {
  return {
    networkMessageId: ID_A,
    subject: 'Q3 pricing sheet',
    receivedAt: '2026-08-20T14:02:11Z',
    recipients: ['bob@fabrikam.example'],
    releasedTo: 'bob@fabrikam.example',
    releasedBy: 'admin@contoso.com',
    releasedAt: '2026-08-21T09:15:00Z',
    quarantineType: 'TransportRule',
    policyName: 'Outbound attachments',
    ...overrides,
  };
}

export function job(releases: ReleasedMessageFacts[] = [release()], sender = 'alice@contoso.com'): NotificationJob {
  return makeJob(sender, releases);
}

export const TEMPLATE: NotifyTemplateSettings = { subject: undefined, intro: undefined, footer: undefined, language: 'en' };

/** The ledger's rules over a Map, with the real claim decision and a settable clock. */
export class MemoryLedger implements NotificationLedger {
  readonly rows = new Map<string, LedgerEntry & { etag: string }>();
  now = new Date('2026-08-21T10:00:00Z');
  private version = 0;

  private id(key: LedgerKey): string {
    const k = entityKeys(key);
    return `${k.partitionKey}/${k.rowKey}`;
  }

  set(key: LedgerKey, entry: Partial<LedgerEntry>): void {
    this.rows.set(this.id(key), { status: 'claimed', jobId: 'other', deliveryId: 'other', claimedAt: this.now, sentAt: undefined, dryRun: false, ...entry, etag: `e${++this.version}` });
  }

  get(key: LedgerKey): LedgerEntry | undefined {
    return this.rows.get(this.id(key));
  }

  async claim(key: LedgerKey, owner: ClaimOwner): Promise<ClaimResult> {
    const existing = this.rows.get(this.id(key));
    const fresh = (): LedgerEntry & { etag: string } => ({ status: 'claimed', ...owner, claimedAt: this.now, sentAt: undefined, dryRun: false, etag: `e${++this.version}` });
    if (!existing) {
      const row = fresh();
      this.rows.set(this.id(key), row);
      return { kind: 'claimed', etag: row.etag, takenOverFrom: undefined };
    }
    const decision = decideClaim(existing, owner, this.now);
    if (decision.kind === 'alreadyTold' || decision.kind === 'ownedElsewhere') return { kind: decision.kind, entry: existing };
    if (decision.kind === 'ours') return { kind: 'claimed', etag: existing.etag, takenOverFrom: undefined };
    const row = fresh();
    this.rows.set(this.id(key), row);
    return { kind: 'claimed', etag: row.etag, takenOverFrom: existing };
  }

  async markSent(key: LedgerKey, owner: ClaimOwner, etag: string, options: { dryRun?: boolean } = {}): Promise<void> {
    const existing = this.rows.get(this.id(key));
    if (!existing || existing.etag !== etag) throw new Error(`412 on ${this.id(key)}`);
    this.rows.set(this.id(key), { ...existing, ...owner, status: 'sent', sentAt: this.now, dryRun: options.dryRun === true, etag: `e${++this.version}` });
  }
}

export class MemoryMailer implements Mailer {
  readonly sent: Array<{ from: string; message: GraphMessage; saveToSentItems: boolean }> = [];
  failWith: Error | undefined;

  async send(from: string, email: ComposedEmail, saveToSentItems: boolean): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push({ from, message: toGraphMessage(email), saveToSentItems });
  }
}

export class CountingPacer implements SendPacer {
  slots = 0;
  async run<T>(_mailbox: string, send: () => Promise<T>): Promise<T> {
    this.slots++;
    return send();
  }
}
