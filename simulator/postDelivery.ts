/**
 * Post-delivery events (reference section 9), and the two ways Microsoft 365 answers questions about
 * them:
 *   Graph POST /v1.0/security/runHuntingQuery {"Query": "..."} (ThreatHunting.Read.All, Defender XDR
 *     data for the tenant): answers the two hunting queries "Post Delivery Events by Admin" and "... by
 *     Location" (Azure/Azure-Sentinel, Hunting Queries/Microsoft 365 Defender/Email and Collaboration
 *     Queries/ZAP) the way Kusto would: {schema, results}, 30 complete UTC days ending before today.
 *     The simulator cannot run KQL: it recognises the two queries by their filters, and answers any
 *     other query 400 as a query it cannot parse. Without the permission: 403; without Defender XDR
 *     data: 400 (the hunting schema has no EmailPostDeliveryEvents); `throttleNext` answers 429 with
 *     Retry-After, as Graph does past about 45 calls a minute.
 *   Exchange Get-AggregateZapReport [-StartDate] [-EndDate]: Date, EventType, ZapActionCount per UTC
 *     day and ZAP type, for at most 10 days (the cmdlet's documented limit), over InvokeCommand.
 * The published events are the truth the tests compare the report with.
 */
import { randomUUID } from 'node:crypto';

/** One row of EmailPostDeliveryEvents (the columns the two queries read). */
export interface PostDeliveryEvent {
  timestamp: Date;
  networkMessageId: string;
  recipientEmailAddress: string;
  /** "Soft Delete", "Hard Delete", "Moved to junk folder", "Moved to inbox", "Quarantine release", ... */
  action: string;
  /** "Manual remediation", "Phish ZAP", "Malware ZAP", "Spam ZAP", ... */
  actionType: string;
  /** "AdminAction", "SpecialAction", ... */
  actionTrigger: string;
  actionResult: string;
  /** Final location: "Quarantine", "Deleted items", "Junk folder", "Inbox/folder", ... */
  deliveryLocation: string;
}

export const ADMIN_ACTIONS = [
  'Soft Delete',
  'Hard Delete',
  'Moved to junk folder',
  'Moved to inbox',
  'Quarantine release',
] as const;
export const LOCATIONS = ['Quarantine', 'Delete', 'Junk', 'Inbox'] as const;
/** Get-AggregateZapReport answers at most this many days. */
export const ZAP_REPORT_MAX_DAYS = 10;
const DAY_MS = 86_400_000;

export class PostDeliveryLog {
  readonly events: PostDeliveryEvent[] = [];
  /** Whether the tenant has Defender XDR advanced hunting data (licence and onboarding). */
  defenderXdr = true;
  /** Answer this many runHuntingQuery calls with 429 before answering again. */
  throttleNext = 0;
  /** Seconds in the Retry-After of a throttled answer. */
  throttleRetryAfterSeconds = 1;

  reset(): void {
    this.events.length = 0;
    this.defenderXdr = true;
    this.throttleNext = 0;
    this.throttleRetryAfterSeconds = 1;
  }

  publish(events: readonly PostDeliveryEvent[]): void {
    this.events.push(...events);
  }

  /** Kusto's `has`: a whole-term, case-insensitive match. */
  private static has(value: string, term: string): boolean {
    return new RegExp(`(^|[^a-z0-9])${term.toLowerCase().replace(/\s+/g, '\\s+')}($|[^a-z0-9])`).test(
      value.toLowerCase(),
    );
  }

  /** startofday(ago(30d)) .. startofday(now()): the 30 complete UTC days before today. */
  static window(now: Date): { from: number; to: number } {
    const to = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    return { from: to - 30 * DAY_MS, to };
  }

  /** "Post Delivery Events by Admin": per day, the five admin actions, zero-filled. */
  adminSeries(now: Date): Array<Record<string, string | number>> {
    const { from, to } = PostDeliveryLog.window(now);
    const rows: Array<Record<string, string | number>> = [];
    for (let day = from; day < to; day += DAY_MS) {
      const row: Record<string, string | number> = { Timestamp: new Date(day).toISOString() };
      for (const action of ADMIN_ACTIONS) row[action] = 0;
      rows.push(row);
    }
    for (const e of this.events) {
      const t = e.timestamp.getTime();
      if (t < from || t >= to || !PostDeliveryLog.has(e.actionTrigger, 'AdminAction')) continue;
      const row = rows[Math.floor((t - from) / DAY_MS)];
      for (const action of ADMIN_ACTIONS) if (PostDeliveryLog.has(e.action, action)) (row[action] as number)++;
    }
    return rows;
  }

  /** "Post Delivery Events by Location": one make-series row per location (Count and Timestamp arrays). */
  locationSeries(now: Date): Array<{ Count: number[]; Details: string; Timestamp: string[] }> {
    const { from, to } = PostDeliveryLog.window(now);
    const days = Math.round((to - from) / DAY_MS);
    const stamps = Array.from({ length: days }, (_, i) => new Date(from + i * DAY_MS).toISOString());
    return LOCATIONS.map((location) => {
      const count = new Array<number>(days).fill(0);
      for (const e of this.events) {
        const t = e.timestamp.getTime();
        if (t < from || t >= to || !PostDeliveryLog.has(e.deliveryLocation, location)) continue;
        count[Math.floor((t - from) / DAY_MS)]++;
      }
      return { Count: count, Details: location, Timestamp: stamps };
    });
  }

  /** Get-AggregateZapReport rows from start to end (instants; whole UTC days), at most 10 days back from now. */
  aggregateZap(start: Date, end: Date, now: Date): Array<{ Date: string; EventType: string; ZapActionCount: number }> {
    const oldest = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - ZAP_REPORT_MAX_DAYS * DAY_MS;
    const from = Math.max(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()), oldest);
    const to = end.getTime();
    const counts = new Map<string, number>();
    for (const e of this.events) {
      const t = e.timestamp.getTime();
      if (t < from || t >= to || !/\bZAP\b/i.test(e.actionType)) continue;
      const key = `${new Date(t).toISOString().slice(0, 10)}T00:00:00\n${e.actionType}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([key, n]) => {
        const [date, type] = key.split('\n');
        return { Date: date, EventType: type, ZapActionCount: n };
      });
  }
}

/** A sample event, for tests and the demo. */
export function postDeliveryEvent(over: Partial<PostDeliveryEvent> & { timestamp: Date }): PostDeliveryEvent {
  return {
    networkMessageId: randomUUID(),
    recipientEmailAddress: 'bob@contoso.com',
    action: 'Moved to junk folder',
    actionType: 'Manual remediation',
    actionTrigger: 'AdminAction',
    actionResult: 'Success',
    deliveryLocation: 'Junk folder',
    ...over,
  };
}
