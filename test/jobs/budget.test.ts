import type { AlertFinding } from '../../shared/alerts/rules';
import { composeAlert } from '../../shared/email/alert';
import { composeNotification, NETWORK_MESSAGE_IDS_HEADER } from '../../shared/email/compose';
import { alertJobsFor, type AlertJob } from '../../shared/jobs/alertJob';
import { MAX_IDS_PER_EMAIL, MAX_JOB_TEXT_BYTES, QUEUE_MESSAGE_MAX_BYTES } from '../../shared/jobs/budget';
import { jobsFor, makeJob, type NotificationJob } from '../../shared/jobs/notificationJob';
import { encodeQueuedJobMessages, isAlertJob, parseQueuedJob, type QueuedJob } from '../../shared/jobs/queuedJob';
import { toEntity } from '../../shared/store/quarantineSnapshotStore';
import { quarantined, releasedFacts, releaseEvent } from '../support/mothers';

const template = { subject: undefined, intro: undefined, footer: undefined, language: 'en' };
const guid = (i: number): string => `${i.toString(16).padStart(8, '0')}-3c1a-4e22-9d3c-08de0a1b2c3d`;
const longAddress = (i: number): string => `${'recipient.with.a.very.long.name.'.repeat(10)}${i}@fabrikam.example`;

/** Every queue message of a job, as the queue would hold it, and the jobs the consumer reads back. */
function onTheWire(job: QueuedJob): QueuedJob[] {
  const texts = encodeQueuedJobMessages(job);
  for (const text of texts) {
    expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(MAX_JOB_TEXT_BYTES);
    expect(Buffer.from(text, 'utf8').toString('base64').length).toBeLessThanOrEqual(QUEUE_MESSAGE_MAX_BYTES);
  }
  return texts.map((t) => parseQueuedJob(t));
}

function burst(
  releases: number,
  subjectChars: number,
  recipientsPerRelease: number,
  sender = 'alice@contoso.com',
): AlertFinding {
  return {
    rule: 'burst',
    key: `burst|admin@contoso.com|2026-11-20T10`,
    account: 'admin@contoso.com',
    releases: Array.from({ length: releases }, (_, i) => ({
      release: releaseEvent({
        recordId: `record-${i}`,
        networkMessageId: guid(i),
        releasedTo: '',
        releasedBy: 'admin@contoso.com',
        releasedAt: new Date(Date.UTC(2026, 10, 20, 10, 0, i)),
      }),
      message: {
        sender,
        recipients: Array.from({ length: recipientsPerRelease }, (_, k) => longAddress(k)),
        subject: `Invoice ${i} ${'é'.repeat(subjectChars)}`,
        receivedAt: '2026-11-20T09:00:00.000Z',
        quarantineType: 'Phish',
        policyName: 'Outbound phish policy',
        origin: 'internal',
      },
    })),
  };
}

describe('one size-aware encoder for every queue message kind', () => {
  it.each([
    ['a burst of 50 releases with long subjects and recipients', [burst(50, 900, 10)]],
    [
      '25 risky-type findings of 50 releases each (215 KB before)',
      Array.from({ length: 25 }, (_, i) => ({ ...burst(50, 400, 10), rule: 'risky-type' as const, key: `k${i}` })),
    ],
  ])('splits %s into messages within the budget, losing no release', (_name, findings) => {
    const jobs = alertJobsFor(findings);
    const before = jobs.map((j) => Buffer.byteLength(JSON.stringify(j))).reduce((a, b) => a + b, 0);
    expect(before).toBeGreaterThan(64 * 1024);
    for (const job of jobs) {
      const parts = onTheWire(job) as AlertJob[];
      expect(parts.length).toBeGreaterThan(1);
      // Every release reported, once; the burst's true count kept across its parts.
      const ids = parts.flatMap((p) => p.items.flatMap((i) => i.releases.map((r) => r.networkMessageId)));
      expect(ids.sort()).toEqual(job.items.flatMap((i) => i.releases.map((r) => r.networkMessageId)).sort());
      expect(parts.flatMap((p) => p.items).reduce((n, i) => n + i.totalReleases, 0)).toBe(
        job.items.reduce((n, i) => n + i.totalReleases, 0),
      );
      // Distinct ledger items, so no part is taken for another already told.
      const keys = parts.flatMap((p) => p.items.map((i) => i.key));
      expect(new Set(keys).size).toBe(keys.length);
      parts.forEach((p, i) => {
        expect(p.part).toEqual({ index: i + 1, of: parts.length });
        const email = composeAlert(p, ['soc@contoso.com']);
        expect(email.subject).toContain(`(part ${i + 1} of ${parts.length})`);
        // The header lists every id the email reports, none cut.
        const header = email.headers?.find((h) => h.name === NETWORK_MESSAGE_IDS_HEADER)?.value ?? '';
        const own = [...new Set(p.items.flatMap((it) => it.releases.map((r) => r.networkMessageId)))];
        expect(own.length).toBeLessThanOrEqual(MAX_IDS_PER_EMAIL);
        expect(header.split(',').sort()).toEqual(own.sort());
      });
    }
  });

  it('queues an alert about a stored row with a 1,000-character sender (parseAlertJob took 320)', () => {
    const sender = `${'s'.repeat(980)}@contoso.com`;
    const stored = toEntity(quarantined({ networkMessageId: guid(1), senderAddress: sender, quarantineType: 'Phish' }));
    const [job] = alertJobsFor([{ ...burst(1, 10, 1, stored.Sender), rule: 'risky-type' }]);
    const [back] = onTheWire(job) as AlertJob[];
    expect(back.items[0].releases[0].sender).toBe(stored.Sender);
  });

  it('fits one release to 200 long recipients (72 KB before) and the email still counts all 200', () => {
    const recipients = Array.from({ length: 200 }, (_, k) => longAddress(k));
    const release = releasedFacts({
      networkMessageId: guid(7),
      subject: 'Quarterly figures',
      receivedAt: '2026-11-20T09:00:00.000Z',
      recipients,
      releasedTo: '',
      releasedBy: 'admin@contoso.com',
      releasedAt: '2026-11-20T10:00:00.000Z',
      quarantineType: 'TransportRule',
      policyName: 'Outbound to external',
    });
    const job = makeJob('alice@contoso.com', [release]);
    const original = composeNotification(job, template);
    const jobs = jobsFor('alice@contoso.com', [release]);
    expect(jobs).toHaveLength(1);
    const [back] = onTheWire(jobs[0]) as NotificationJob[];
    const email = composeNotification(back, template);
    // The consumer rebuilds the same email, which still counts every recipient.
    expect(email.text).toBe(original.text);
    expect(email.text).toContain('All 200 original recipients');
  });

  it('cuts even one release whose recipients alone exceed the budget, counting those cut', () => {
    const recipients = Array.from({ length: 200 }, (_, k) => `${'x'.repeat(900)}${k}@fabrikam.example`);
    const release = releasedFacts({
      networkMessageId: guid(8),
      subject: 'S',
      receivedAt: '2026-11-20T09:00:00.000Z',
      recipients,
      releasedTo: recipients[0],
      releasedBy: undefined,
      releasedAt: '2026-11-20T10:00:00.000Z',
      quarantineType: 'TransportRule',
      policyName: 'P',
    });
    const parts = onTheWire(makeJob('alice@contoso.com', [release])) as NotificationJob[];
    expect(parts).toHaveLength(1);
    const [r] = parts[0].releases;
    expect(r.recipients.length).toBeLessThan(200);
    expect(r.recipientCount).toBe(200);
  });

  it('splits a notice reporting more ids than one header may list into several emails', () => {
    const releases = Array.from({ length: 60 }, (_, i) =>
      releasedFacts({
        networkMessageId: guid(100 + i),
        subject: 'S',
        receivedAt: '2026-11-20T09:00:00.000Z',
        recipients: ['bob@fabrikam.example'],
        releasedTo: 'bob@fabrikam.example',
        releasedBy: undefined,
        releasedAt: '2026-11-20T10:00:00.000Z',
        quarantineType: 'TransportRule',
        policyName: 'P',
      }),
    );
    const parts = onTheWire(makeJob('alice@contoso.com', releases));
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => !isAlertJob(p))).toBe(true);
    expect((parts as NotificationJob[]).flatMap((p) => p.releases).length).toBe(60);
  });
});
