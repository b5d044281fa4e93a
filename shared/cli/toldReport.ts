/**
 * `npm run told`: what the product told, read from the NotificationLedger, so an admin can answer
 * "did Alice get a notice?" without opening Table Storage. The ledger keeps the message
 * (NetworkMessageId), the address it was released to, when and how it was told; the sender and
 * subject come from the quarantine snapshot while it still holds the message (it keeps rows 7 days
 * past their quarantine expiry), and are shown as unknown after that.
 */
import { checkSettings, isGuid, type Env, type Settings } from '../config/settings';
import { printable } from '../log/logger';
import type { ToldBy } from '../notify/ports';
import type { NoticeEvent } from '../domain/types';
import type { ReleaseSource } from './toldSource';

const UNITS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** The ledger keeps 30 days; a little more is allowed so "--since 31d" is not an error. */
const MAX_SINCE_MS = 400 * UNITS.d;

/** `7d`, `12h`, `90m`, or an ISO-8601 instant with a zone; throws one line naming the flag otherwise. */
export function parseSince(value: string | undefined, now: Date): Date {
  const raw = (value ?? '7d').trim();
  const relative = /^(\d{1,6})([mhd])$/i.exec(raw);
  let since: Date | undefined;
  if (relative)
    since = new Date(now.getTime() - Number(relative[1]) * UNITS[relative[2].toLowerCase() as keyof typeof UNITS]);
  else if (
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/i.test(raw) &&
    !Number.isNaN(Date.parse(raw))
  )
    since = new Date(raw);
  if (!since || now.getTime() - since.getTime() > MAX_SINCE_MS) {
    throw new Error(
      `--since takes a period such as 7d, 12h or 90m (at most 400d), or a date such as 2026-11-01 or 2026-11-01T00:00:00Z; got "${printable(raw, 40)}".`,
    );
  }
  return since;
}

/** The arguments of `npm run told -- ...`: only --since (as `--since 7d` or `--since=7d`). */
export function toldArguments(args: readonly string[]): { since: string | undefined } {
  let since: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--since') {
      if (i + 1 >= args.length) throw new Error('--since needs a value, such as --since 7d.');
      since = args[++i];
    } else if (arg.startsWith('--since=')) since = arg.slice('--since='.length);
    else
      throw new Error(
        `told takes only --since (such as npm run told -- --since 7d) and --tenant; got "${printable(arg, 40)}".`,
      );
  }
  return { since };
}

/**
 * The settings told needs: only the storage account. Other settings may be unset (an admin reading
 * the ledger from a workstation), but a broken storage setting is named as the other commands do.
 */
export function storageSettings(env: Env): Settings {
  const { problems, draft } = checkSettings(env);
  const storage = problems.find((p) => p.setting?.startsWith('AzureWebJobsStorage'));
  if (storage) throw storage;
  return draft;
}

/** One told notification as the report shows it. */
export interface ToldRow {
  networkMessageId: string;
  releasedTo: string;
  toldAt: Date | undefined;
  toldBy: ToldBy | undefined;
  dryRun: boolean;
  /** From the snapshot, while it keeps the message. */
  sender: string | undefined;
  subject: string | undefined;
  /** Where the message came from, in words (describeOrigin), while its origin verdict is kept. */
  origin?: string;
  /** [story] The event told (absent: released), and for a release the sources that saw it. */
  event?: NoticeEvent;
  source?: ReleaseSource;
}

const HOW: Readonly<Record<ToldBy, string>> = {
  accepted: 'sent (Graph accepted it)',
  'sent-items': 'sent (found in Sent Items after a lost answer)',
  'at-least-once': 'sent (maybe twice: Sent Items could not be read)',
  'dry-run': 'dry run (nobody was mailed)',
};

export function howTold(row: Pick<ToldRow, 'toldBy' | 'dryRun'>): string {
  if (row.toldBy) return HOW[row.toldBy];
  return row.dryRun ? HOW['dry-run'] : 'sent';
}

function when(date: Date | undefined): string {
  return date ? `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'unknown time';
}

/** Lines for the terminal, newest first; every outside text made printable (no control characters, bounded). */
export function formatTold(rows: readonly ToldRow[]): string[] {
  const sorted = [...rows].sort((a, b) => (b.toldAt?.getTime() ?? 0) - (a.toldAt?.getTime() ?? 0));
  return sorted.map((row) => {
    const sender = row.sender ? printable(row.sender, 120) : 'sender unknown (no longer in the snapshot)';
    const subject = row.subject !== undefined ? ` "${printable(row.subject, 80)}"` : '';
    const message = isGuid(row.networkMessageId)
      ? `message ${row.networkMessageId}`
      : `item ${printable(row.networkMessageId, 120)}`;
    const origin = row.origin ? `; ${printable(row.origin, 200)}` : '';
    // [story] Which event, and for a release which source saw it (listing, audit or both).
    const event = row.event ?? 'released';
    const to = event === 'released' ? 'released to' : `${event} for`;
    const seen = event === 'released' && row.source ? ` (seen in: ${row.source})` : '';
    return `${when(row.toldAt)}  ${howTold(row)}: ${sender} about ${message}${subject}, ${to} ${printable(row.releasedTo, 120)}${seen}${origin}`;
  });
}

/** The JSON summary, the last stdout line. */
export function summarizeTold(rows: readonly ToldRow[], since: Date): Record<string, unknown> {
  const byHow: Record<string, number> = {};
  for (const row of rows) {
    const key = row.toldBy ?? (row.dryRun ? 'dry-run' : 'unknown');
    byHow[key] = (byHow[key] ?? 0) + 1;
  }
  const senders = new Set(rows.map((r) => r.sender?.toLowerCase()).filter((s): s is string => s !== undefined));
  const byEvent: Record<string, number> = {};
  const bySource: Record<string, number> = {};
  for (const row of rows) {
    const event = row.event ?? 'released';
    byEvent[event] = (byEvent[event] ?? 0) + 1;
    if (event === 'released') bySource[row.source ?? 'unknown'] = (bySource[row.source ?? 'unknown'] ?? 0) + 1;
  }
  return {
    since: since.toISOString(),
    told: rows.length,
    byEvent,
    bySource,
    dryRun: rows.filter((r) => r.dryRun).length,
    byHow,
    senders: senders.size,
    senderUnknown: rows.filter((r) => !r.sender).length,
  };
}
