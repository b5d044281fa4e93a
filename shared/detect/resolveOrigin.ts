import type { QuarantinedMessage } from '../domain/types';
import type { CmdletRunner } from '../exchange/ports';
import { readQuarantineMessageHeader, type HeaderRead } from '../exchange/quarantineSource';
import type { Logger } from '../log/logger';
import type { MessageOriginStore, StoredOrigin } from './ports';
import { parseMessageHeader } from './messageHeader';
import { decideOrigin, type MessageOrigin, type OriginSource } from './origin';

const HOUR_MS = 3_600_000;
/** Header reads per run: each is audited in the tenant and costs an Exchange call; the rest wait a run. */
export const MAX_HEADER_READS_PER_RUN = 100;
/** After this many failed reads in one run (timeouts, Exchange busy) the run stops trying. */
const MAX_FAILED_READS_PER_RUN = 3;
/** A refused header is tried again on a later release after a day (the role may have been granted). */
const REREAD_FORBIDDEN_AFTER_MS = 24 * HOUR_MS;
/** A header that failed for a passing reason is tried again after an hour. */
const REREAD_FAILED_AFTER_MS = HOUR_MS;

export interface OriginResolverDeps {
  exchange: CmdletRunner;
  origins: MessageOriginStore;
  log: Logger;
  now: Date;
  maxReads?: number;
  headerTimeoutMs?: number;
}

/** An origin, or 'deferred' when this run has used up its header reads (the release waits a run). */
export type ResolvedOrigin = MessageOrigin | 'deferred';

function rereadDue(stored: StoredOrigin, now: Date): boolean {
  const age = now.getTime() - stored.readAt.getTime();
  if (stored.header === 'forbidden' || stored.header === 'not-tried') return age >= REREAD_FORBIDDEN_AFTER_MS;
  if (stored.header === 'failed') return age >= REREAD_FAILED_AFTER_MS;
  return false;
}

/**
 * Finds each released message's origin once: a stored verdict when there is one, else one header
 * read of one of its copies, else the fallback. Many releases of one message in one run share one
 * read. Nothing about a header fails the run: every failure ends in the fallback, logged.
 */
export class OriginResolver {
  readonly bySource: Record<OriginSource, number> = { header: 0, fallback: 0 };
  headerReads = 0;
  private failedReads = 0;
  private refused = false;
  private readonly inFlight = new Map<string, Promise<ResolvedOrigin>>();

  constructor(private readonly deps: OriginResolverDeps) {}

  /** The origin of the message `rows` are copies of; `preferredRecipient` picks the copy whose header is read. */
  resolve(
    networkMessageId: string,
    rows: readonly QuarantinedMessage[],
    sender: string,
    acceptedDomains: readonly string[],
    preferredRecipient: string,
  ): Promise<ResolvedOrigin> {
    let found = this.inFlight.get(networkMessageId);
    if (!found) {
      found = this.load(networkMessageId, rows, sender, acceptedDomains, preferredRecipient);
      this.inFlight.set(networkMessageId, found);
    }
    return found;
  }

  private async load(
    networkMessageId: string,
    rows: readonly QuarantinedMessage[],
    sender: string,
    acceptedDomains: readonly string[],
    preferredRecipient: string,
  ): Promise<ResolvedOrigin> {
    const { now, log } = this.deps;
    const stored = await this.deps.origins.get(networkMessageId);
    if (stored && !rereadDue(stored, now)) return stored;

    let read: HeaderRead | undefined;
    if (!this.refused && this.failedReads < MAX_FAILED_READS_PER_RUN) {
      if (this.headerReads >= (this.deps.maxReads ?? MAX_HEADER_READS_PER_RUN)) {
        // A stored (older) verdict still answers; without one the release waits for the next run.
        if (stored) return stored;
        return 'deferred';
      }
      this.headerReads++;
      read = await readQuarantineMessageHeader(
        this.deps.exchange,
        `${networkMessageId}\\${pickCopy(rows, preferredRecipient).copyId}`,
        this.deps.headerTimeoutMs,
      );
      if (read.kind === 'forbidden' && !this.refused) {
        this.refused = true;
        log.warn(
          'Get-QuarantineMessageHeader was refused (403): message origin is decided by the fallback this run ' +
            '(sender domain accepted, and a recipient outside or a policy hold, and no filtering verdict on mail addressed only inside). ' +
            'Run npm run doctor for the role that makes headers readable.',
        );
      }
      if (read.kind === 'failed') this.failedReads++;
    }

    const origin = decideOrigin(
      !read
        ? { status: 'not-tried' }
        : read.kind === 'header'
          ? { status: 'read', parsed: parseMessageHeader(read.text) }
          : { status: read.kind },
      rows,
      sender,
      acceptedDomains,
    );
    // Ids and verdicts as JSON fields: never header text, never a subject.
    log.info(
      `origin ${JSON.stringify({ networkMessageId, verdict: origin.verdict, source: origin.source, rule: origin.rule, header: origin.header, ...(read?.kind === 'failed' ? { why: read.why } : {}) })}`,
    );
    // A verdict for a header not even tried this run is not kept: the next run tries the header.
    if (origin.header !== 'not-tried') await this.deps.origins.put(networkMessageId, { ...origin, readAt: now });
    return origin;
  }

  /** Counts one release decision that used `origin`, for the run summary. */
  count(origin: MessageOrigin): void {
    this.bySource[origin.source]++;
  }
}

/** The released recipient's copy when there is one, else the copy that expires last (most likely still there). */
function pickCopy(rows: readonly QuarantinedMessage[], recipient: string): QuarantinedMessage {
  const own = rows.find((r) => r.recipients.some((a) => a.toLowerCase() === recipient));
  if (own) return own;
  return [...rows].sort((a, b) => (b.expiresAt?.getTime() ?? 0) - (a.expiresAt?.getTime() ?? 0))[0];
}
