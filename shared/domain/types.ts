/** The product's own vocabulary, independent of Exchange, the audit log and Table Storage shapes. */

/**
 * What a notice tells of a held message (issue 22): released (the default, and the only event
 * before), or opt-in: held by a listed policy, deleted unreleased, expired unreleased.
 */
export type NoticeEvent = 'released' | 'held' | 'deleted' | 'expired';

/** One recipient copy of a quarantined message, as kept in the snapshot. */
export interface QuarantinedMessage {
  /** Lower-case GUID: the first half of Identity, the join key with audit records. */
  networkMessageId: string;
  /** Lower-case second half of Identity: one per recipient copy. */
  copyId: string;
  senderAddress: string;
  recipients: string[];
  subject: string;
  receivedAt: Date;
  expiresAt: Date | undefined;
  /** Why it was held: QuarantineTypes / Type, e.g. TransportRule, DataLossPrevention, OutboundSpam. */
  quarantineType: string;
  policyType: string;
  policyName: string;
  direction: string;
  releaseStatus: string;
  internetMessageId: string;
  size: number | undefined;
}

/** A successful QuarantineReleaseMessage audit record (RequestType 2). */
export interface ReleaseEvent {
  /** Audit record Id: the dedupe key. */
  recordId: string;
  /** Lower-case NetworkMessageId. */
  networkMessageId: string;
  releasedTo: string;
  /** An admin's UPN, or undefined for a release by Microsoft 365 itself. */
  releasedBy: string | undefined;
  releasedAt: Date;
  /** RequestSource: 0 Defender portal, 1 cmdlet, 2 a link in a quarantine notification (link scanners click those too). */
  requestSource?: number;
  /**
   * Where the release was seen: absent, an audit record; 'listing', a Get-QuarantineMessage row that
   * turned released (then releasedAt is when the listing first showed it, and releasedBy is '' when
   * the listing does not name the account).
   */
  source?: 'listing';
  /** Absent: a release. Otherwise the other event this row stands for (releasedBy: who deleted it, if known). */
  event?: Exclude<NoticeEvent, 'released'>;
}

/** One released message copy, as the notification reports it. */
export interface ReleasedMessageFacts {
  networkMessageId: string;
  subject: string;
  receivedAt: string;
  recipients: string[];
  /** How many recipients the message had when `recipients` lists only the first of them (a queue budget cut it). */
  recipientCount?: number;
  releasedTo: string;
  /** Admin address, or undefined when Microsoft 365 released it automatically. */
  releasedBy: string | undefined;
  releasedAt: string;
  quarantineType: string;
  policyName: string;
  /** Absent: released. A notice job holds one event only (jobsFor groups by message and event). */
  event?: Exclude<NoticeEvent, 'released'>;
  /** When the held copy expires (hold notices say until when). */
  expiresAt?: string;
}
