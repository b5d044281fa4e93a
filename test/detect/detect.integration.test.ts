import { QueueClient } from '@azure/storage-queue';
import type { NotificationJob } from '../../shared/jobs/notificationJob';
import { detectReleases } from '../../shared/detect/detectReleases';
import { ledgerKey, parseJob } from '../../shared/jobs/notificationJob';
import { decodeMessage } from '../../shared/queue/storageQueue';
import { QUEUE_NAME } from '../../shared/jobs/delivery';
import {
  fileAccessedRecord,
  noiseRecords,
  quarantineRecord,
  signInRecord,
  quarantineRow,
  releaseRecord,
  SYSTEM_RELEASE_USER,
} from '../../simulator/fixtures';
import type { QuarantineRow } from '../../simulator/tenant';
import { CrashPlan, InjectedCrash } from '../support/crash';
import { World } from '../support/world';

const world = World.forSuite();

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ago = (ms: number): Date => new Date(Date.now() - ms);

function quarantined(over: Parameters<typeof quarantineRow>[0] = {}): QuarantineRow {
  const row = quarantineRow({ receivedAt: ago(3 * HOUR), ...over });
  world.sim.tenant.quarantine.add(row);
  return row;
}

const nmidOf = (row: QuarantineRow): string => row.Identity.split('\\')[0].toLowerCase();

function release(row: QuarantineRow, opts: { by?: string; at?: Date; to?: string } = {}) {
  return world.sim.tenant.quarantine.release(row.Identity, opts.to, { by: opts.by, at: opts.at ?? ago(2 * HOUR) });
}

async function queuedJobs(): Promise<NotificationJob[]> {
  const queue = new QueueClient(world.azurite.connectionString, QUEUE_NAME);
  if (!(await queue.exists())) return [];
  const jobs: NotificationJob[] = [];
  for (;;) {
    const batch = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 300 });
    if (batch.receivedMessageItems.length === 0) return jobs;
    for (const m of batch.receivedMessageItems) jobs.push(parseJob(decodeMessage(m.messageText)));
  }
}

const pairsOf = (jobs: NotificationJob[]): string[] => jobs.flatMap((j) => j.releases.map(ledgerKey)).sort();

describe('detecting releases', () => {
  it('tells each sender about an admin release and a release by Microsoft 365, with the facts of the message', async () => {
    const alice = quarantined({
      SenderAddress: 'alice@contoso.com',
      RecipientAddress: ['bob@fabrikam.example'],
      Subject: 'Q3 pricing sheet',
    });
    const carol = quarantined({
      SenderAddress: 'carol@contoso.com',
      RecipientAddress: ['dan@fabrikam.example'],
      Type: 'DataLossPrevention',
      QuarantineTypes: 'DataLossPrevention',
      PolicyName: 'Block card numbers',
    });
    world.sim.audit.publish([
      ...release(alice, { by: 'secadmin@contoso.com' }),
      ...noiseRecords(5),
      ...release(carol, { by: SYSTEM_RELEASE_USER }),
    ]);

    const runtime = world.runtime();
    await runtime.snapshot();
    const summary = await runtime.detect();

    expect(summary).toMatchObject({ releases: 2, newReleases: 2, matched: 2, pending: 0, jobs: 2 });
    const jobs = await queuedJobs();
    const bySender = Object.fromEntries(jobs.map((j) => [j.sender, j.releases]));
    expect(bySender['alice@contoso.com']).toEqual([
      expect.objectContaining({
        networkMessageId: nmidOf(alice),
        subject: 'Q3 pricing sheet',
        recipients: ['bob@fabrikam.example'],
        releasedTo: 'bob@fabrikam.example',
        releasedBy: 'secadmin@contoso.com',
        quarantineType: 'TransportRule',
      }),
    ]);
    expect(bySender['carol@contoso.com']).toEqual([
      expect.objectContaining({
        networkMessageId: nmidOf(carol),
        quarantineType: 'DataLossPrevention',
        policyName: 'Block card numbers',
      }),
    ]);
    expect(bySender['carol@contoso.com'][0].releasedBy).toBeUndefined();
    expect(
      world.sim.requests
        .filter((r) => r.service === 'management')
        .every((r) => r.query.PublisherIdentifier === world.sim.tenantId),
    ).toBe(true);
  });

  it('ignores other quarantine operations, failed releases and other workloads', async () => {
    const row = quarantined();
    const nmid = nmidOf(row);
    world.sim.audit.publish([
      quarantineRecord('QuarantinePreviewMessage', { NetworkMessageId: nmid }),
      quarantineRecord('QuarantineDeleteMessage', { NetworkMessageId: nmid }),
      quarantineRecord('QuarantineExportMessage', { NetworkMessageId: nmid }),
      releaseRecord({ NetworkMessageId: nmid, ReleaseTo: 'bob@fabrikam.example', ResultStatus: 'Failed' }),
      releaseRecord({ NetworkMessageId: nmid, ReleaseTo: 'bob@fabrikam.example', ResultStatus: 'Denied' }),
      ...Array.from({ length: 10 }, () => signInRecord()),
      ...Array.from({ length: 10 }, () => fileAccessedRecord()),
    ]);
    const runtime = world.runtime();
    await runtime.snapshot();
    const summary = await runtime.detect();
    expect(summary).toMatchObject({ recordsRead: 25, releases: 0, jobs: 0 });
    // Preview, delete and export are operations of their own; a release request by a user is RequestType 5.
    // Success is an allow-list: Denied is not a release any more than Failed.
    expect(summary.ignoredByReason).toEqual({ failed: 2, 'not-a-release': 23 });
    expect(await queuedJobs()).toEqual([]);
  });

  it('counts a record once however many blobs and runs carry it', async () => {
    const row = quarantined();
    const records = release(row);
    world.sim.audit.publish(records);
    world.sim.audit.publish([...records, ...noiseRecords(3)]);
    const runtime = world.runtime();
    await runtime.snapshot();
    const first = await runtime.detect();
    world.sim.audit.publish(records);
    const second = await world.runtime().detect();

    expect(first).toMatchObject({ releases: 2, newReleases: 1, duplicateReleases: 1, jobs: 1 });
    expect(second).toMatchObject({ newReleases: 0, duplicateReleases: 1, jobs: 0 });
    expect(pairsOf(await queuedJobs())).toEqual([`${nmidOf(row)}|bob@fabrikam.example`]);
  });

  it('picks up a record published two days late into an old window, on the next sweep', async () => {
    const row = quarantined({ receivedAt: ago(2 * DAY + 3 * HOUR) });
    const start = Date.now();
    const runtime = world.runtime();
    await runtime.snapshot();
    await runtime.detect({ now: () => new Date(start) }); // the first run sweeps the whole week
    world.sim.audit.publish(release(row, { at: ago(2 * DAY) }), { contentCreated: ago(2 * DAY) });

    const quick = await world.runtime().detect({ now: () => new Date(start + HOUR) });
    expect(quick).toMatchObject({ sweep: false, releases: 0 });
    const sweep = await world.runtime().detect({ now: () => new Date(start + 6 * HOUR + MINUTE) });
    expect(sweep).toMatchObject({ sweep: true, releases: 1, jobs: 1 });
  });

  it('never notifies releases made before NOTIFY_RELEASES_SINCE, and defaults it to the first run', async () => {
    const old = quarantined();
    world.sim.audit.publish(release(old, { at: ago(2 * HOUR) }));
    const runtime = world.runtime({ NOTIFY_RELEASES_SINCE: '' });
    await runtime.snapshot();
    const summary = await runtime.detect();
    expect(summary).toMatchObject({ releases: 1, jobs: 0, skippedByReason: { 'before-cutoff': 1 } });

    await new Promise((r) => setTimeout(r, 1100)); // audit times have whole seconds
    const fresh = quarantined({ SenderAddress: 'carol@contoso.com', receivedAt: ago(10 * MINUTE) });
    world.sim.audit.publish(release(fresh, { at: new Date() }));
    await world.runtime({ NOTIFY_RELEASES_SINCE: '' }).snapshot();
    const later = await world.runtime({ NOTIFY_RELEASES_SINCE: '' }).detect();
    expect(later).toMatchObject({ jobs: 1, notifySince: summary.notifySince });
  });

  it('keeps a release pending until its snapshot row arrives, then tells the sender', async () => {
    const row = quarantineRow({ receivedAt: ago(90 * MINUTE) });
    world.sim.audit.publish([
      releaseRecord({ NetworkMessageId: nmidOf(row), ReleaseTo: 'bob@fabrikam.example', at: ago(30 * MINUTE) }),
    ]);
    const runtime = world.runtime();
    await runtime.snapshot();
    expect(await runtime.detect()).toMatchObject({ releases: 1, pending: 1, jobs: 0 });

    world.sim.tenant.quarantine.add(row);
    await runtime.snapshot();
    expect(await runtime.detect()).toMatchObject({ pending: 0, matched: 1, jobs: 1 });
    expect(pairsOf(await queuedJobs())).toEqual([`${nmidOf(row)}|bob@fabrikam.example`]);
  });

  it('matches NetworkMessageIds whatever their case on either side', async () => {
    const id = 'AbCdEf01-2345-4678-9ABC-DEF012345678';
    const row = quarantined({ networkMessageId: id });
    world.sim.audit.publish([
      releaseRecord({ NetworkMessageId: id.toUpperCase(), ReleaseTo: 'BOB@fabrikam.example', at: ago(HOUR) }),
    ]);
    const runtime = world.runtime();
    await runtime.snapshot();
    expect(await runtime.detect()).toMatchObject({ matched: 1, jobs: 1 });
    expect(pairsOf(await queuedJobs())).toEqual([`${nmidOf(row)}|bob@fabrikam.example`]);
  });

  it('tells neither external senders (inbound mail) nor a sender Exchange left empty, and says why', async () => {
    const inbound = quarantined({
      SenderAddress: 'mallory@fabrikam.example',
      RecipientAddress: ['alice@contoso.com'],
      Direction: 'Outbound',
      Type: 'Phish',
      QuarantineTypes: 'Phish',
    });
    const empty = quarantined({ SenderAddress: '' });
    world.sim.audit.publish([...release(inbound), ...release(empty)]);
    const runtime = world.runtime();
    await runtime.snapshot();
    const summary = await runtime.detect();
    expect(summary).toMatchObject({
      releases: 2,
      jobs: 0,
      skippedByReason: { 'external-sender': 1, 'invalid-sender': 1 },
    });
    expect(world.log.text()).toContain(
      `NetworkMessageId ${nmidOf(empty)}): the quarantined message has no usable sender address`,
    );
  });

  it('loses and doubles nothing when the run dies between any two steps and runs again', async () => {
    const arrange = async (): Promise<string[]> => {
      const a = quarantined({
        SenderAddress: 'alice@contoso.com',
        RecipientAddress: ['bob@fabrikam.example', 'eve@fabrikam.example'],
      });
      const c = quarantined({ SenderAddress: 'carol@contoso.com' });
      const records = [...release(a), ...release(c, { by: SYSTEM_RELEASE_USER })];
      world.sim.audit.publish([...records.slice(0, 2), ...noiseRecords(2)]);
      world.sim.audit.publish([...records.slice(1), ...noiseRecords(2)]);
      await world.runtime().snapshot();
      return [
        `${nmidOf(a)}|bob@fabrikam.example`,
        `${nmidOf(a)}|eve@fabrikam.example`,
        `${nmidOf(c)}|bob@fabrikam.example`,
      ].sort();
    };
    const run = async (plan: CrashPlan): Promise<void> => {
      const deps = await world.runtime().detectionDeps();
      await detectReleases({
        ...deps,
        feed: plan.wrap(deps.feed),
        exchange: plan.wrap(deps.exchange),
        stores: {
          ...deps.stores,
          snapshot: plan.wrap(deps.stores.snapshot),
          releases: plan.wrap(deps.stores.releases),
          state: plan.wrap(deps.stores.state),
        },
        queue: plan.wrap(deps.queue),
      });
    };

    const clean = new CrashPlan(Number.POSITIVE_INFINITY);
    const expected = await arrange();
    await run(clean);
    expect(pairsOf(await queuedJobs())).toEqual(expected);
    expect(clean.calls).toBeGreaterThan(10);

    for (let crashAt = 1; crashAt <= clean.calls; crashAt++) {
      await world.reset();
      const pairs = await arrange();
      await expect(run(new CrashPlan(crashAt))).rejects.toBeInstanceOf(InjectedCrash);
      await run(new CrashPlan(Number.POSITIVE_INFINITY));
      const queued = pairsOf(await queuedJobs());
      // Nothing lost: every release is queued. Nothing doubled: a pair is queued twice only when the crash
      // fell between handing jobs over and marking them queued, and then the ledger makes the repeat a no-op.
      expect([...new Set(queued)]).toEqual(pairs);
      const settled = await (await world.runtime().detectionDeps()).stores.releases.pending();
      expect(settled).toEqual([]);
      expect(await world.runtime().detect()).toMatchObject({ jobs: 0 });
    }
  }, 180_000);
});
