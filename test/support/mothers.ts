/**
 * The one set of fixture builders (object mothers) for the product's own vocabulary: a quarantined
 * copy as the snapshot keeps it, a release audit event, the facts a notice reports, a notice job.
 * Each test overrides what it is about and nothing else.
 */
import type { QuarantinedMessage, ReleaseEvent, ReleasedMessageFacts } from '../../shared/domain/types';
import { makeJob, type NotificationJob } from '../../shared/jobs/notificationJob';

export const ID_A = '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d';
export const ID_B = '7e1d2c3b-4a59-4687-8b9a-0c1d2e3f4a5b';
export const ID_C = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

/** One recipient copy of alice's outbound message held by a mail-flow rule. */
export function quarantined(over: Partial<QuarantinedMessage> = {}): QuarantinedMessage {
  return {
    networkMessageId: ID_A,
    copyId: '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d',
    senderAddress: 'alice@contoso.com',
    recipients: ['bob@fabrikam.example'],
    subject: 'Q3 pricing sheet',
    receivedAt: new Date('2026-11-20T09:00:00Z'),
    expiresAt: new Date('2026-12-20T09:00:00Z'),
    quarantineType: 'TransportRule',
    policyType: 'ExchangeTransportRule',
    policyName: 'Quarantine outbound attachments',
    direction: 'Outbound',
    releaseStatus: 'RELEASED',
    internetMessageId: '<a@contoso.com>',
    size: 100,
    ...over,
  };
}

/** An admin's release of that copy to bob. */
export function releaseEvent(over: Partial<ReleaseEvent> = {}): ReleaseEvent {
  return {
    recordId: 'r1',
    networkMessageId: ID_A,
    releasedTo: 'bob@fabrikam.example',
    releasedBy: 'secadmin@contoso.com',
    releasedAt: new Date('2026-11-20T10:00:00Z'),
    ...over,
  };
}

/** What a notice reports about one release. */
export function releasedFacts(over: Partial<ReleasedMessageFacts> = {}): ReleasedMessageFacts {
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
    ...over,
  };
}

/** A notice job for alice about these releases (its id derived as detection derives it). */
export function noticeJob(
  releases: ReleasedMessageFacts[] = [releasedFacts()],
  sender = 'alice@contoso.com',
): NotificationJob {
  return makeJob(sender, releases);
}

/** A notice job exactly as given (releases in this order, a fixed id), as a queue message may carry it. */
export function noticeJobAsGiven(
  releases: ReleasedMessageFacts[] = [releasedFacts()],
  sender = 'alice@contoso.com',
  jobId = 'job-1',
): NotificationJob {
  return { jobId, sender, releases };
}
