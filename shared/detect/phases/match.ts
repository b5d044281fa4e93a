/**
 * Match: every pending release against the snapshot, and the decision who to tell. Decisions are pure
 * (decide.ts); this phase reads what they need (snapshot rows, accepted domains, the origin when a
 * notice depends on it) and collects what the later phases act on. It settles nothing itself.
 */
import type { ReleaseView } from '../../alerts/rules';
import type { QuarantinedMessage, ReleasedMessageFacts } from '../../domain/types';
import type { CmdletRunner } from '../../exchange/ports';
import { factsForEvent } from '../../domain/events';
import { ledgerKey } from '../../jobs/notificationJob';
import { messageOf } from '../../log/errors';
import type { Logger } from '../../log/logger';
import type { QuarantineSnapshotStore } from '../../snapshot/ports';
import { forEachLimited } from '../../util/forEachLimited';
import { decideRelease, type Decision, type DecisionContext, type SkipReason } from '../decide';
import type { MessageOrigin, OriginSource } from '../origin';
import type { MessageOriginStore, StoredRelease } from '../ports';
import { OriginResolver } from '../resolveOrigin';
import { count } from './ingest';
import { messageView } from './messageView';

const LOOKUP_CONCURRENCY = 8;

export interface MatchDeps {
  exchange: CmdletRunner;
  snapshot: QuarantineSnapshotStore;
  origins: MessageOriginStore;
  log: Logger;
  /** Header reads per run (default MAX_HEADER_READS_PER_RUN). */
  maxHeaderReads: number | undefined;
}

export interface MatchSummary {
  matched: number;
  pending: number;
  unmatched: number;
  skippedByReason: Partial<Record<SkipReason, number>>;
  /** Release decisions that used a message origin, by where the origin came from. */
  originBySource: Record<OriginSource, number>;
  /** Get-QuarantineMessageHeader calls this run (each is audited in the tenant). */
  headerReads: number;
  /** Releases whose decision failed on their stored data: settled 'set-aside' with the reason. */
  undecidable: number;
}

/** One notice's facts and every release record it answers (a repeated release, or one to all). */
export interface NoticeEntry {
  facts: ReleasedMessageFacts;
  recordIds: string[];
}

export interface Settlement {
  recordId: string;
  status: 'skipped' | 'unmatched' | 'set-aside';
  reason: string;
}

export interface Matched {
  summary: MatchSummary;
  /** Releases decided this run, for the alert rules. */
  decided: ReleaseView[];
  /** Skipped and unmatched releases, settled only after their alerts are handed over. */
  toSettle: Settlement[];
  /** The notices to send, by sender, one entry per message and recipient. */
  toNotify: Map<string, NoticeEntry[]>;
}

export async function matchPending(
  deps: MatchDeps,
  pending: readonly StoredRelease[],
  ctx: DecisionContext,
): Promise<Matched> {
  const resolver = new OriginResolver({
    exchange: deps.exchange,
    origins: deps.origins,
    log: deps.log,
    now: ctx.now,
    maxReads: deps.maxHeaderReads,
  });
  const matching = new Matching(deps.log, resolver, ctx);
  await forEachLimited([...byMessage(pending).values()], LOOKUP_CONCURRENCY, async (group) => {
    const rows = await deps.snapshot.findByNetworkMessageId(group[0].networkMessageId);
    for (const release of group) await matching.decide(release, rows);
  });
  matching.summary.originBySource = resolver.bySource;
  matching.summary.headerReads = resolver.headerReads;
  return matching;
}

/**
 * Releases grouped by message: a release to all of a message's 100 recipients is 100 records, and
 * its snapshot rows are read once for all of them (and dropped when the group is decided).
 */
function byMessage(pending: readonly StoredRelease[]): Map<string, StoredRelease[]> {
  const groups = new Map<string, StoredRelease[]>();
  for (const release of pending) {
    const group = groups.get(release.networkMessageId);
    if (group) group.push(release);
    else groups.set(release.networkMessageId, [release]);
  }
  return groups;
}

class Matching implements Matched {
  readonly summary: MatchSummary = {
    matched: 0,
    pending: 0,
    unmatched: 0,
    skippedByReason: {},
    originBySource: { header: 0, fallback: 0 },
    headerReads: 0,
    undecidable: 0,
  };
  readonly decided: ReleaseView[] = [];
  readonly toSettle: Settlement[] = [];
  readonly toNotify = new Map<string, NoticeEntry[]>();
  private readonly seenPairs = new Map<string, NoticeEntry>();

  constructor(
    private readonly log: Logger,
    private readonly resolver: OriginResolver,
    private readonly ctx: DecisionContext,
  ) {}

  async decide(release: StoredRelease, rows: QuarantinedMessage[]): Promise<void> {
    const decision = this.decideSafely(release, rows, undefined);
    if (decision) await this.decideWith(release, rows, decision);
  }

  /** The pure decision, or undefined when it throws: that release is set aside, the run goes on. */
  private decideSafely(
    release: StoredRelease,
    rows: QuarantinedMessage[],
    origin: MessageOrigin | undefined,
  ): Decision | undefined {
    try {
      return decideRelease(release, rows, this.ctx, origin);
    } catch (error) {
      this.summary.undecidable++;
      const reason = `could not be decided: ${messageOf(error)}`.slice(0, 500);
      this.log.error('release set aside', {
        recordId: release.recordId,
        networkMessageId: release.networkMessageId,
        reason,
      });
      this.toSettle.push({ recordId: release.recordId, status: 'set-aside', reason });
      return undefined;
    }
  }

  private async decideWith(release: StoredRelease, rows: QuarantinedMessage[], first: Decision): Promise<void> {
    let decision: Decision = first;
    let origin: MessageOrigin | undefined;
    if (decision.kind === 'need-origin') {
      const resolved = await this.resolver.resolve(
        release.networkMessageId,
        rows,
        decision.sender,
        this.ctx.acceptedDomains,
        release.releasedTo,
      );
      if (resolved === 'deferred') {
        // This run's header reads are used up: the release waits for the next run's.
        this.summary.pending++;
        return;
      }
      origin = resolved;
      this.resolver.count(resolved);
      const decided = this.decideSafely(release, rows, resolved);
      if (!decided) return;
      decision = decided;
    }
    // Releases before the cut-off raise no alert either: a fresh deployment does not report last week.
    const beforeCutoff = decision.kind === 'skip' && decision.reason === 'before-cutoff';
    // Held, deleted and expired events are no releases: the alert rules never see them.
    if (decision.kind !== 'need-origin' && decision.kind !== 'wait' && !beforeCutoff && !release.event)
      this.decided.push({ release, message: this.viewSafely(release, rows, origin) });
    this.record(release, decision, rows);
  }

  /** The message's facts for the alert rules; a row they cannot be read from leaves them out, not the release. */
  private viewSafely(
    release: StoredRelease,
    rows: QuarantinedMessage[],
    origin: MessageOrigin | undefined,
  ): ReleaseView['message'] {
    try {
      return messageView(rows, origin, this.ctx.acceptedDomains);
    } catch (error) {
      this.log.warn('alert facts left out: the snapshot row could not be read', {
        recordId: release.recordId,
        reason: messageOf(error).slice(0, 300),
      });
      return undefined;
    }
  }

  private record(release: StoredRelease, decision: Decision, rows: readonly QuarantinedMessage[]): void {
    switch (decision.kind) {
      case 'need-origin':
      case 'wait':
        this.summary.pending++;
        return;
      case 'unmatched':
        this.summary.unmatched++;
        this.log.warn(
          `Release ${release.recordId} (NetworkMessageId ${release.networkMessageId}, released to ${release.releasedTo || 'all recipients'}) was never matched: ${decision.why}. Nobody is notified for it.`,
        );
        this.toSettle.push({ recordId: release.recordId, status: 'unmatched', reason: decision.why });
        return;
      case 'skip':
        this.skip(release, decision.reason);
        return;
      case 'notify': {
        // An event's facts carry it, and a deletion skips copies that were released (domain/events.ts).
        const told = factsForEvent(release, decision.facts, rows);
        if (told.length === 0) {
          this.toSettle.push({ recordId: release.recordId, status: 'skipped', reason: 'released-before' });
          return;
        }
        this.summary.matched++;
        for (const facts of told) this.notify(decision.sender, facts, release.recordId);
      }
    }
  }

  private skip(release: StoredRelease, reason: SkipReason): void {
    count(this.summary.skippedByReason, reason);
    if (reason === 'invalid-sender') {
      this.log.warn(
        `Release ${release.recordId} (NetworkMessageId ${release.networkMessageId}): the quarantined message has no usable sender address; nobody is notified.`,
      );
    } else if (reason !== 'before-cutoff') {
      // Ids as fields: an address or id can never start a log line of its own.
      this.log.info('skip', {
        recordId: release.recordId,
        networkMessageId: release.networkMessageId,
        releasedTo: release.releasedTo,
        reason,
      });
    }
    this.toSettle.push({ recordId: release.recordId, status: 'skipped', reason });
  }

  /** Two records for the same message and recipient (a repeated release, or one to all) make one notice. */
  private notify(sender: string, facts: ReleasedMessageFacts, recordId: string): void {
    const key = ledgerKey(facts);
    const existing = this.seenPairs.get(key);
    if (existing) {
      existing.recordIds.push(recordId);
      return;
    }
    const entry = { facts, recordIds: [recordId] };
    this.seenPairs.set(key, entry);
    const list = this.toNotify.get(sender) ?? [];
    list.push(entry);
    this.toNotify.set(sender, list);
  }
}
