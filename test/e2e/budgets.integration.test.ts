/**
 * Issue 15 on Azurite and the simulated tenant: one big or hostile message never stops anyone else's
 * notice. The product runs exactly as deployed (snapshot, detect, drain), wired by settings only.
 */
import { QueueClient } from '@azure/storage-queue';
import { QUEUE_NAME } from '../../shared/jobs/delivery';
import { parseJob, type NotificationJob } from '../../shared/jobs/notificationJob';
import { NETWORK_MESSAGE_IDS_HEADER } from '../../shared/email/compose';
import { sendNotification } from '../../shared/notify/sendNotification';
import { decodeMessage } from '../../shared/queue/storageQueue';
import { MAX_SUBJECT_CHARS } from '../../shared/store/quarantineSnapshotStore';
import { TABLES } from '../../shared/store/tables';
import { cjkText, giantInboundSpam, massRelease, quarantineRow } from '../../simulator/fixtures';
import type { QuarantineRow } from '../../simulator/tenant';
import { TableClient } from '@azure/data-tables';
import { World } from '../support/world';
import { withDelivery } from '../notify/fakes';

const HOUR = 3_600_000;
const ago = (ms: number): Date => new Date(Date.now() - ms);
const world = World.forSuite();

const nmid = (row: QuarantineRow): string => row.Identity.split('\\')[0].toLowerCase();
function plant(over: Parameters<typeof quarantineRow>[0]): QuarantineRow {
  const row = quarantineRow({ receivedAt: ago(3 * HOUR), ...over });
  world.sim.tenant.quarantine.add(row);
  return row;
}
const release = (row: QuarantineRow) =>
  world.sim.tenant.quarantine.release(row.Identity, undefined, { by: 'secadmin@contoso.com', at: ago(HOUR) });
const idsOf = (mail: (typeof world.sim.sentMail)[number]): string[] =>
  (mail.message.internetMessageHeaders?.find((h) => h.name.toLowerCase() === NETWORK_MESSAGE_IDS_HEADER)?.value ?? '')
    .split(',')
    .filter(Boolean);
const toOf = (mail: (typeof world.sim.sentMail)[number]): string =>
  (mail.message.toRecipients ?? []).map((r) => r.emailAddress.address).join(',');

/** Every job waiting in the queue, read without taking it (peek). */
async function peekJobs(): Promise<NotificationJob[]> {
  const queue = new QueueClient(world.azurite.connectionString, QUEUE_NAME);
  const peeked = await queue.peekMessages({ numberOfMessages: 32 });
  return peeked.peekedMessageItems.map((m) => parseJob(decodeMessage(m.messageText)));
}

describe('one big or hostile message never stops anyone', () => {
  it('stores the 100 copies of a spam with a 15,000-character CJK subject cut and flagged, and carries on to tell a later release', async () => {
    world.sim.tenant.quarantine.add(giantInboundSpam({ receivedAt: ago(5 * HOUR) }));
    const later = plant({
      SenderAddress: 'alice@contoso.com',
      RecipientAddress: ['bob@fabrikam.example'],
      Subject: 'Q3 pricing sheet',
      receivedAt: ago(2 * HOUR),
    });
    const runtime = world.runtime();

    const snapshot = await runtime.snapshot();
    // Before: "snapshot run 1: FAILED: The request body is too large" on every run.
    expect(snapshot).toMatchObject({ rowsRead: 101, rowsStored: 101, rowsSkipped: 0 });
    const table = TableClient.fromConnectionString(world.azurite.connectionString, TABLES.snapshot, {
      allowInsecureConnection: true,
    });
    const spam = [];
    for await (const e of table.listEntities<{ Subject: string; SubjectTruncated: boolean; Direction: string }>({
      queryOptions: { filter: "Direction eq 'Inbound'" },
    }))
      spam.push(e);
    expect(spam).toHaveLength(100);
    expect(spam.every((e) => e.Subject === cjkText(15_000).slice(0, MAX_SUBJECT_CHARS) && e.SubjectTruncated)).toBe(
      true,
    );

    world.sim.audit.publish(release(later));
    expect(await runtime.detect()).toMatchObject({ newReleases: 1, matched: 1, jobs: 1 });
    expect((await runtime.drainNotifications()).sent).toBe(1);
    expect(world.sim.sentMail.map((m) => [toOf(m), idsOf(m)])).toEqual([['alice@contoso.com', [nmid(later)]]]);
    // A second run has nothing left over: nothing was stuck.
    expect(await world.runtime().snapshot()).toMatchObject({ rowsSkipped: 0 });
  }, 120_000);

  it('tells the sender of a message released to all 120 recipients in one email, and an unrelated release in the same run too', async () => {
    const mass = massRelease({ recipients: 120, sender: 'alice@contoso.com' });
    for (const row of mass.rows) world.sim.tenant.quarantine.add(row);
    const carol = plant({
      SenderAddress: 'carol@contoso.com',
      RecipientAddress: ['dan@fabrikam.example'],
      Subject: 'Contract draft',
    });
    world.sim.audit.publish([...mass.records, ...release(carol)]);
    const runtime = world.runtime();

    await runtime.snapshot();
    // Before: "detect run 1: FAILED: Unexpected status code: 413" on every run, 121 releases pending.
    const detected = await runtime.detect();
    expect(detected).toMatchObject({ releases: 121, newReleases: 121, matched: 121, pending: 0, jobs: 2 });
    const drained = await runtime.drainNotifications();
    expect(drained).toMatchObject({ sent: 2, failed: 0, poisoned: 0 });

    const toAlice = world.sim.sentMail.filter((m) => toOf(m) === 'alice@contoso.com');
    expect(toAlice).toHaveLength(1);
    expect(idsOf(toAlice[0])).toEqual([mass.networkMessageId]);
    const body = (toAlice[0].message.body?.content ?? '').replace(/<wbr>/g, '');
    // Released to all: said once, with the true count, and the first recipients listed plus a count.
    expect(body).toContain('All 120 original recipients');
    expect(new Set(body.match(/member\d{3}@fabrikam\.example/g)).size).toBe(20);
    expect(body).toContain('and 100 more');
    expect(world.sim.sentMail.filter((m) => toOf(m) === 'carol@contoso.com').map(idsOf)).toEqual([[nmid(carol)]]);
    // Every release settled: the next run has nothing pending and mails nobody again.
    expect(await world.runtime().detect()).toMatchObject({ pending: 0, jobs: 0 });
  }, 120_000);

  it('holds the daily cap: the second email waits for the next UTC day, is not dropped, and goes out after midnight', async () => {
    const first = plant({
      SenderAddress: 'alice@contoso.com',
      RecipientAddress: ['bob@fabrikam.example'],
      Subject: 'One',
    });
    const second = plant({
      SenderAddress: 'carol@contoso.com',
      RecipientAddress: ['dan@fabrikam.example'],
      Subject: 'Two',
    });
    world.sim.audit.publish([...release(first), ...release(second)]);
    const runtime = world.runtime({ NOTIFY_MAX_PER_DAY: '1' });
    await runtime.snapshot();
    expect(await runtime.detect()).toMatchObject({ jobs: 2 });
    const jobs = await peekJobs();
    expect(jobs).toHaveLength(2);

    const drained = await runtime.drainNotifications();
    expect(drained).toMatchObject({ sent: 1, failed: 0, poisoned: 0 });
    expect(world.sim.sentMail).toHaveLength(1);
    const toldFirst = idsOf(world.sim.sentMail[0]);
    const held = jobs.find((j) => !j.releases.some((r) => toldFirst.includes(r.networkMessageId)));
    if (!held) throw new Error('no job was held back');

    const deps = await runtime.sendDeps();
    const nextDay = new Date(Math.floor(Date.now() / 86_400_000 + 1) * 86_400_000);
    // Still today: scheduled for midnight UTC, not sent, not dropped.
    const today = await sendNotification(
      held,
      withDelivery(deps, { clock: { now: () => new Date(nextDay.getTime() - 60_000) } }),
    );
    expect(today.sent).toBe(false);
    expect(today.deferredUntil !== undefined && Date.parse(today.deferredUntil)).toBeGreaterThanOrEqual(
      nextDay.getTime(),
    );
    expect(world.sim.sentMail).toHaveLength(1);
    // The clock passes midnight: the held notice goes out, once.
    const tomorrow = await sendNotification(
      held,
      withDelivery(deps, { clock: { now: () => new Date(nextDay.getTime() + 60_000) } }),
    );
    expect(tomorrow).toMatchObject({ sent: true, told: 1 });
    expect(world.sim.sentMail).toHaveLength(2);
    expect(idsOf(world.sim.sentMail[1])).toEqual(held.releases.map((r) => r.networkMessageId));
  }, 120_000);
});
