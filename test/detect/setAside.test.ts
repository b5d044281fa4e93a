/**
 * Isolation per item in detection: one job the queue refuses, one release no decision can be made
 * for, one record that crashes the classifier is set aside with its reason and counted, while every
 * other item goes on and the run succeeds. A failure of the queue service itself still fails the run.
 */
import type { AlertSettings, ReleaseView } from '../../shared/alerts/rules';
import type { ReleaseEvent } from '../../shared/domain/types';
import type { CmdletRunner } from '../../shared/exchange/ports';
import type { AlertJob } from '../../shared/jobs/alertJob';
import type { NotificationJob } from '../../shared/jobs/notificationJob';
import { isAlertJob, type QueuedJob } from '../../shared/jobs/queuedJob';
import type { Logger } from '../../shared/log/logger';
import { raiseAlerts } from '../../shared/detect/phases/alerts';
import { handOver } from '../../shared/detect/phases/handOver';
import { ingest } from '../../shared/detect/phases/ingest';
import { matchPending, type NoticeEntry } from '../../shared/detect/phases/match';
import type {
  AddManyResult,
  MessageOriginStore,
  NotificationQueue,
  ReleaseStatus,
  ReleaseStore,
  StoredOrigin,
  StoredRelease,
} from '../../shared/detect/ports';
import { refusalOf } from '../../shared/queue/storageQueue';
import { setAsideObservation } from '../../shared/health/problems';
import { ID_A, ID_B, ID_C, quarantined, releasedFacts, releaseEvent } from '../support/mothers';

const NOW = new Date('2026-11-20T12:00:00Z');

/** What Azure Storage answers for a message over 64 KiB, as @azure/storage-queue throws it (a RestError). */
function tooLarge(): Error {
  return Object.assign(new Error('The request body is too large and exceeds the maximum permissible limit.'), {
    name: 'RestError',
    statusCode: 413,
    code: 'RequestBodyTooLarge',
  });
}

function serviceDown(): Error {
  return Object.assign(new Error('The server is busy.'), { name: 'RestError', statusCode: 503, code: 'ServerBusy' });
}

/** The storage queue as detection sees it, classifying as the adapter does; `refuse` picks the jobs it will not take. */
class FakeQueue implements NotificationQueue {
  readonly enqueued: QueuedJob[] = [];
  constructor(private readonly refuse: (job: QueuedJob) => Error | undefined) {}
  async enqueue(jobs: readonly QueuedJob[]): Promise<void> {
    for (const job of jobs) {
      const error = this.refuse(job);
      if (error) throw refusalOf(error) ?? error;
      this.enqueued.push(job);
    }
  }
}

class FakeReleases implements ReleaseStore {
  readonly settled = new Map<string, { status: ReleaseStatus; reason: string }>();
  constructor(private readonly around: StoredRelease[] = []) {}
  async addIfNew(): Promise<boolean> {
    return true;
  }
  async addMany(releases: readonly ReleaseEvent[]): Promise<AddManyResult> {
    return { added: releases.length, duplicates: 0, rejected: [] };
  }
  async pending(): Promise<StoredRelease[]> {
    return [];
  }
  async releasedBy(account: string): Promise<StoredRelease[]> {
    return this.around.filter((r) => r.releasedBy === account);
  }
  async settle(recordId: string, status: Exclude<ReleaseStatus, 'pending'>, reason: string): Promise<void> {
    this.settled.set(recordId, { status, reason });
  }
  async settleMany(recordIds: readonly string[], status: Exclude<ReleaseStatus, 'pending'>): Promise<void> {
    for (const id of recordIds) this.settled.set(id, { status, reason: '' });
  }
  async isBlobDone(): Promise<boolean> {
    return false;
  }
  async markBlobDone(): Promise<void> {}
  async purge(): Promise<number> {
    return 0;
  }
}

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const put = (m: string, f?: object): void => void lines.push(`${m} ${JSON.stringify(f ?? {})}`);
  return { lines, info: put, warn: put, error: put };
}

const notice = (sender: string, nmid: string, recordId: string): [string, NoticeEntry[]] => [
  sender,
  [{ facts: releasedFacts({ networkMessageId: nmid }), recordIds: [recordId] }],
];

describe('hand-over sets aside a job the queue refuses', () => {
  const toNotify = new Map([
    notice('alice@contoso.com', ID_A, 'r-alice'),
    notice('mallory@contoso.com', ID_B, 'r-mallory'),
    notice('carol@contoso.com', ID_C, 'r-carol'),
  ]);
  const refuseMallory = (job: QueuedJob): Error | undefined =>
    !isAlertJob(job) && job.sender === 'mallory@contoso.com' ? tooLarge() : undefined;

  it('enqueues every other job, counts the refused one and settles its release set-aside with the reason', async () => {
    const queue = new FakeQueue(refuseMallory);
    const releases = new FakeReleases();
    const log = recordingLog();

    const summary = await handOver({ queue, releases, log }, toNotify, NOW);

    expect(summary).toEqual({ jobs: 2, setAsideJobs: 1 });
    expect((queue.enqueued as NotificationJob[]).map((j) => j.sender).sort()).toEqual([
      'alice@contoso.com',
      'carol@contoso.com',
    ]);
    expect(releases.settled.get('r-alice')?.status).toBe('queued');
    expect(releases.settled.get('r-carol')?.status).toBe('queued');
    expect(releases.settled.get('r-mallory')).toEqual({
      status: 'set-aside',
      reason: expect.stringContaining('413 RequestBodyTooLarge'),
    });
    expect(log.lines.some((l) => l.startsWith('notice job set aside') && l.includes(ID_B))).toBe(true);
  });

  it('still fails the run when the queue service fails, leaving the release pending for the next run', async () => {
    const queue = new FakeQueue((job) =>
      !isAlertJob(job) && job.sender === 'carol@contoso.com' ? serviceDown() : undefined,
    );
    const releases = new FakeReleases();

    await expect(handOver({ queue, releases, log: recordingLog() }, toNotify, NOW)).rejects.toThrow('server is busy');
    expect(releases.settled.has('r-carol')).toBe(false);
  });
});

describe('which queue errors are about the message', () => {
  const restError = (statusCode: number, code: string): Error =>
    Object.assign(new Error(code), { name: 'RestError', statusCode, code });

  it('reads 413 and a 400 about the body as refusals of that message', () => {
    expect(refusalOf(tooLarge())).toMatchObject({ code: 'queue-refused', status: 413 });
    expect(refusalOf(restError(400, 'MessageTooLarge'))).toMatchObject({ code: 'queue-refused', status: 400 });
  });

  it("leaves the deployment's own failures to fail the run: every job would get them", () => {
    for (const error of [serviceDown(), restError(400, 'InvalidHeaderValue'), restError(403, 'AuthorizationFailure')])
      expect(refusalOf(error)).toBeUndefined();
    expect(refusalOf(new Error('socket hang up'))).toBeUndefined();
  });
});

describe('alerts: one refused alert does not stop the others, nor the notices after them', () => {
  const settings: AlertSettings = {
    recipients: ['soc@contoso.com'],
    riskyTypes: ['Malware'],
    burstReleases: 0,
    releasedToOther: false,
  };
  const view = (recordId: string, releasedBy: string, nmid: string): ReleaseView => ({
    release: releaseEvent({ recordId, releasedBy, networkMessageId: nmid }),
    message: {
      sender: 'alice@contoso.com',
      recipients: ['bob@fabrikam.example'],
      subject: 'invoice',
      receivedAt: '2026-11-20T09:00:00Z',
      quarantineType: 'Malware',
      policyName: 'Default',
      origin: 'from inside your organisation',
    },
  });

  it('hands over the other alerts, counts the refused one, and the notices still go', async () => {
    const queue = new FakeQueue((job) =>
      isAlertJob(job) && (job as AlertJob).account === 'mallory@contoso.com' ? tooLarge() : undefined,
    );
    const releases = new FakeReleases();
    const log = recordingLog();

    const alerted = await raiseAlerts({ queue, releases, log, alerts: settings }, [
      view('r1', 'secadmin@contoso.com', ID_A),
      view('r2', 'mallory@contoso.com', ID_B),
    ]);
    const handed = await handOver({ queue, releases, log }, new Map([notice('alice@contoso.com', ID_A, 'r1')]), NOW);

    expect(alerted).toEqual({ alerts: 1, setAsideAlerts: 1 });
    expect(handed).toEqual({ jobs: 1, setAsideJobs: 0 });
    expect(queue.enqueued.filter(isAlertJob).map((j) => (j as AlertJob).account)).toEqual(['secadmin@contoso.com']);
    expect(log.lines.some((l) => l.startsWith('alert job set aside') && l.includes('RequestBodyTooLarge'))).toBe(true);
    // The alert's facts stay in the log line a Sentinel rule reads, emailed or not.
    expect(log.lines.filter((l) => l.startsWith('quarantine alert'))).toHaveLength(2);
  });
});

describe('match sets aside a release whose decision throws', () => {
  const origin: StoredOrigin = {
    verdict: 'internal',
    source: 'header',
    rule: 'DIR:ORIG',
    header: 'read',
    ownNotice: false,
    readAt: NOW,
  };
  const origins: MessageOriginStore = { get: async () => origin, put: async () => undefined, purge: async () => 0 };
  const exchange = {} as CmdletRunner;

  it('settles it set-aside with the reason and decides every other release', async () => {
    const rows = {
      [ID_A]: [quarantined({ networkMessageId: ID_A })],
      // A stored row whose date no longer parses: the notice's facts cannot be built from it.
      [ID_B]: [quarantined({ networkMessageId: ID_B, receivedAt: new Date(Number.NaN) })],
    };
    const pending: StoredRelease[] = [
      { ...releaseEvent({ recordId: 'good', networkMessageId: ID_A }), status: 'pending', reason: '' },
      { ...releaseEvent({ recordId: 'bad', networkMessageId: ID_B }), status: 'pending', reason: '' },
    ];
    const log = recordingLog();

    const matched = await matchPending(
      {
        exchange,
        snapshot: { findByNetworkMessageId: async (id: string) => rows[id as keyof typeof rows] ?? [] } as never,
        origins,
        log,
        maxHeaderReads: 0,
      },
      pending,
      {
        now: NOW,
        notifySince: new Date('2026-11-01T00:00:00Z'),
        acceptedDomains: ['contoso.com'],
        snapshotWatermark: NOW,
      },
    );

    expect(matched.summary).toMatchObject({ matched: 1, undecidable: 1 });
    expect([...matched.toNotify.keys()]).toEqual(['alice@contoso.com']);
    expect(matched.toSettle).toEqual([
      { recordId: 'bad', status: 'set-aside', reason: expect.stringContaining('could not be decided') },
    ]);
    expect(log.lines.some((l) => l.startsWith('release set aside') && l.includes('"bad"'))).toBe(true);
  });
});

describe('ingest counts a record that crashes the classifier as malformed and goes on', () => {
  it('stores the other releases and moves the checkpoint', async () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('boom');
        },
        ownKeys: () => {
          throw new Error('boom');
        },
      },
    );
    const good = {
      Id: 'rec-1',
      Operation: 'QuarantineReleaseMessage',
      Workload: 'Exchange',
      ResultStatus: 'Succeeded',
    };
    const stored: ReleaseEvent[] = [];
    const releases = new FakeReleases();
    releases.addMany = async (events) => {
      stored.push(...events);
      return { added: events.length, duplicates: 0, rejected: [] };
    };
    const saved: string[] = [];
    const run = { value: {}, save: async () => void saved.push('saved') };
    const blob = { contentId: 'b1', contentUri: 'https://x/b1', contentCreated: NOW.toISOString() };

    const summary = await ingest(
      {
        feed: {
          ensureSubscription: async () => 'enabled',
          listContent: async () => [blob],
          fetchContent: async () => [hostile, good],
        },
        releases,
        log: recordingLog(),
      },
      run,
      { from: new Date(NOW.getTime() - 3_600_000), to: NOW, sweep: false, notifySince: NOW },
    );

    expect(summary.recordsRead).toBe(2);
    expect(summary.ignoredByReason.malformed).toBeGreaterThanOrEqual(1);
    expect(saved.length).toBeGreaterThan(0);
    expect(run.value).toHaveProperty('checkpoint', NOW.toISOString());
  });
});

describe('the health problem for items set aside', () => {
  it('opens with the count and where to look, and a run that sets nothing aside clears it', () => {
    expect(setAsideObservation(1)).toMatchObject({
      problem: 'items-set-aside',
      open: true,
      reason: expect.stringContaining('1 item(s)'),
    });
    expect(setAsideObservation(0)).toEqual({ problem: 'items-set-aside', open: false });
  });
});
