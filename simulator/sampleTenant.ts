/**
 * The demo's built-in tenant (`npm start`): contoso.com, with outbound messages held by a mail-flow
 * rule and by DLP and released in the ways that matter, plus the cases that must NOT produce an
 * email. Every name is invented. Times are relative to `now`: rows received hours ago, releases
 * 30-90 minutes ago, audit blobs created a few minutes ago (the simulator runs on the real clock).
 *
 * What it plants is returned, with what the notifier should do about each message, so the demo can
 * print it and the test can check the product against it.
 */
import { noiseRecords, quarantineRow, releaseRecord, SYSTEM_RELEASE_USER } from './fixtures';
import type { M365Simulator } from './index';
import type { AuditRecord, QuarantineRow } from './tenant';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export const SAMPLE_ADMIN = 'secadmin@contoso.com';
export const SAMPLE_SENDER_MAILBOX = 'quarantine-notices@contoso.com';

const TRANSPORT_RULE = { Type: 'TransportRule', QuarantineTypes: 'TransportRule', PolicyType: 'ExchangeTransportRule', PolicyName: 'Quarantine outbound attachments to external' };
const DLP = { Type: 'DataLossPrevention', QuarantineTypes: 'DataLossPrevention', PolicyType: 'DataLossPrevention', PolicyName: 'Block credit card numbers to external recipients' };
const INBOUND_SPAM = { Type: 'Spam', QuarantineTypes: 'Spam', PolicyType: 'HostedContentFilterPolicy', PolicyName: 'Default', TagName: 'DefaultFullAccessPolicy' };

/** A subject written by an attacker: markup, quotes and a header-injection attempt. */
export const HOSTILE_SUBJECT = '<img src=x onerror=alert(1)> Invoice "urgent"\r\nBcc: victim@contoso.com';

/** What the notifier should do about a planted message. */
export type Expectation =
  | { kind: 'email' }
  | { kind: 'no-email'; because: string };

export interface PlantedMessage {
  /** Short label for the report. */
  label: string;
  networkMessageId: string;
  sender: string;
  recipients: string[];
  subject: string;
  direction: 'Outbound' | 'Inbound';
  heldBy: string;
  policyName: string;
  /** Who released it: an admin, 'System release', 'failed' (a failed attempt) or 'not released'. */
  release: string;
  expect: Expectation;
}

export interface ExpectedEmail {
  /** The original sender. */
  to: string;
  /** NetworkMessageIds the email reports. */
  networkMessageIds: string[];
  /** Distinct recipients of the reported messages. */
  recipients: string[];
}

export interface SampleTenant {
  messages: PlantedMessage[];
  /** Get-QuarantineMessage rows. */
  rows: number;
  /** Content blobs in the Audit.General feed. */
  blobs: number;
  /** All records in those blobs. */
  records: number;
  /** Successful QuarantineReleaseMessage records (one per released recipient). */
  releaseRecords: number;
  /** A release record published a second time, in another blob. */
  duplicateRecords: number;
  /** Release attempts that failed (ResultStatus Failed). */
  failedReleases: number;
  /** Other audit activity: other quarantine operations, sign-ins, SharePoint, Teams. */
  noiseRecords: number;
  /** One per sender that should be told. */
  expectedEmails: ExpectedEmail[];
}

// Fixed NetworkMessageIds: the same sample every run.
const ID = {
  pricing: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a01',
  cards: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a02',
  contract: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a03',
  supplier: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a04',
  hostile: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a05',
  inbound: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a06',
  noSender: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a07',
  failed: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a08',
  held: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a09',
} as const;

interface Plan {
  label: string;
  id: string;
  row: Partial<QuarantineRow>;
  receivedHoursAgo: number;
  /** Minutes ago; undefined: not released. */
  releasedMinutesAgo?: number;
  by?: string;
  failed?: boolean;
  /** Which audit blob carries its records. */
  blob: 0 | 1;
  expect: Expectation;
}

const PLANS: Plan[] = [
  {
    label: 'admin release',
    id: ID.pricing,
    row: { SenderAddress: 'alice@contoso.com', RecipientAddress: ['bob@fabrikam.example'], Subject: 'Q3 pricing sheet', ...TRANSPORT_RULE },
    receivedHoursAgo: 6,
    releasedMinutesAgo: 85,
    by: SAMPLE_ADMIN,
    blob: 0,
    expect: { kind: 'email' },
  },
  {
    label: "alice's second message",
    id: ID.cards,
    row: { SenderAddress: 'alice@contoso.com', RecipientAddress: ['payments@northwind.example'], Subject: 'Card payments to reconcile (October)', Size: 18230, ...DLP },
    receivedHoursAgo: 4,
    releasedMinutesAgo: 50,
    by: SAMPLE_ADMIN,
    blob: 1,
    expect: { kind: 'email' },
  },
  {
    label: 'two recipients',
    id: ID.contract,
    row: {
      SenderAddress: 'carol@contoso.com',
      RecipientAddress: ['legal@fabrikam.example', 'anwalt@northwind.example'],
      Subject: 'Vertragsentwurf für Projekt Falcon – bitte prüfen',
      Size: 412877,
      ...TRANSPORT_RULE,
    },
    receivedHoursAgo: 5,
    releasedMinutesAgo: 70,
    by: SAMPLE_ADMIN,
    blob: 0,
    expect: { kind: 'email' },
  },
  {
    label: 'system release',
    id: ID.supplier,
    row: { SenderAddress: 'dave@contoso.com', RecipientAddress: ['orders@tailspin.example'], Subject: 'Weekly supplier report', ...DLP },
    receivedHoursAgo: 3,
    releasedMinutesAgo: 35,
    by: SYSTEM_RELEASE_USER,
    blob: 1,
    expect: { kind: 'email' },
  },
  {
    label: 'hostile subject',
    id: ID.hostile,
    row: { SenderAddress: 'erin@contoso.com', RecipientAddress: ['ap@fabrikam.example'], Subject: HOSTILE_SUBJECT, ...TRANSPORT_RULE },
    receivedHoursAgo: 2,
    releasedMinutesAgo: 45,
    by: SAMPLE_ADMIN,
    blob: 1,
    expect: { kind: 'email' },
  },
  {
    label: 'inbound',
    id: ID.inbound,
    row: { SenderAddress: 'billing@fabrikam.example', RecipientAddress: ['alice@contoso.com'], Subject: 'Your invoice is overdue', Direction: 'Inbound', ...INBOUND_SPAM },
    receivedHoursAgo: 7,
    releasedMinutesAgo: 60,
    by: SAMPLE_ADMIN,
    blob: 0,
    expect: { kind: 'no-email', because: 'inbound, external sender' },
  },
  {
    label: 'empty sender',
    id: ID.noSender,
    row: { SenderAddress: '', RecipientAddress: ['partner@fabrikam.example'], Subject: 'Automated export', ...TRANSPORT_RULE },
    receivedHoursAgo: 4,
    releasedMinutesAgo: 55,
    by: SAMPLE_ADMIN,
    blob: 0,
    expect: { kind: 'no-email', because: 'no sender (logged)' },
  },
  {
    label: 'failed release',
    id: ID.failed,
    row: { SenderAddress: 'frank@contoso.com', RecipientAddress: ['hr@tailspin.example'], Subject: 'Salary review 2025', ...DLP },
    receivedHoursAgo: 3,
    releasedMinutesAgo: 40,
    by: SAMPLE_ADMIN,
    failed: true,
    blob: 0,
    expect: { kind: 'no-email', because: 'release failed' },
  },
  {
    label: 'still held',
    id: ID.held,
    row: { SenderAddress: 'grace@contoso.com', RecipientAddress: ['board@northwind.example'], Subject: 'Board deck draft', ...TRANSPORT_RULE },
    receivedHoursAgo: 1,
    blob: 0,
    expect: { kind: 'no-email', because: 'not released' },
  },
];

/** How many noise records go into each blob. */
const NOISE_PER_BLOB = 9;

/**
 * Plants the sample in the simulator: quarantine rows, and two Audit.General blobs created a few
 * minutes before `now` with the releases, a failed release, noise and one record repeated. Turns on
 * nothing else: the product starts the audit subscription itself, as it does in a real tenant.
 */
export function loadSampleTenant(sim: M365Simulator, now: Date = new Date()): SampleTenant {
  const at = (ms: number): Date => new Date(now.getTime() - ms);
  const blobs: AuditRecord[][] = [[], []];
  const messages: PlantedMessage[] = [];
  let releaseRecords = 0;
  let failedReleases = 0;

  for (const plan of PLANS) {
    const row = quarantineRow({ ...plan.row, networkMessageId: plan.id, receivedAt: at(plan.receivedHoursAgo * HOUR_MS) });
    sim.tenant.quarantine.add(row);
    let release = 'not released';
    if (plan.releasedMinutesAgo !== undefined) {
      const releasedAt = at(plan.releasedMinutesAgo * MINUTE_MS);
      const by = plan.by ?? SAMPLE_ADMIN;
      if (plan.failed) {
        // A failed attempt leaves the row held; the audit log still records it.
        blobs[plan.blob].push(releaseRecord({ NetworkMessageId: plan.id, ReleaseTo: row.RecipientAddress[0], UserId: by, ResultStatus: 'Failed', OrganizationId: sim.tenantId, at: releasedAt }));
        failedReleases++;
        release = 'failed attempt';
      } else {
        const records = sim.tenant.quarantine.release(row.Identity, undefined, { by, at: releasedAt });
        blobs[plan.blob].push(...records);
        releaseRecords += records.length;
        release = by;
      }
    }
    messages.push({
      label: plan.label,
      networkMessageId: plan.id,
      sender: row.SenderAddress,
      recipients: [...row.RecipientAddress],
      subject: row.Subject,
      direction: row.Direction === 'Inbound' ? 'Inbound' : 'Outbound',
      heldBy: row.Type,
      policyName: row.PolicyName,
      release,
      expect: plan.expect,
    });
  }

  // The audit log delivers the same record again, in a later blob: alice's first release.
  const repeated = blobs[0].find((record) => record.NetworkMessageId === ID.pricing);
  if (!repeated) throw new Error('sample tenant: the record to repeat is missing');
  blobs[1].push(structuredClone(repeated));

  // Noise: other quarantine operations, sign-ins, SharePoint, Teams, one more failed release.
  const noise = [0, 1].map((blob) => noiseRecords(NOISE_PER_BLOB, { at: at((blob === 0 ? 80 : 40) * MINUTE_MS) }));
  failedReleases += noise.flat().filter((record) => record.Operation === 'QuarantineReleaseMessage' && record.ResultStatus === 'Failed').length;
  const noiseCount = noise.flat().filter((record) => !(record.Operation === 'QuarantineReleaseMessage' && record.ResultStatus === 'Failed')).length;

  // Interleave noise and quarantine records, as a real feed mixes workloads.
  const contents = blobs.map((records, index) => interleave(records, noise[index]));
  sim.audit.publish(contents[0], { contentCreated: at(6 * MINUTE_MS), availableAt: now });
  sim.audit.publish(contents[1], { contentCreated: at(3 * MINUTE_MS), availableAt: now });

  return {
    messages,
    rows: sim.tenant.quarantine.rows.length,
    blobs: contents.length,
    records: contents.reduce((sum, records) => sum + records.length, 0),
    releaseRecords,
    duplicateRecords: 1,
    failedReleases,
    noiseRecords: noiseCount,
    expectedEmails: expectedEmails(messages),
  };
}

function interleave<T>(a: readonly T[], b: readonly T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < b.length) out.push(b[i]);
    if (i < a.length) out.push(a[i]);
  }
  return out;
}

/** One email per sender of the messages expected to produce one, ordered by sender. */
function expectedEmails(messages: readonly PlantedMessage[]): ExpectedEmail[] {
  const bySender = new Map<string, ExpectedEmail>();
  for (const message of messages) {
    if (message.expect.kind !== 'email') continue;
    const email = bySender.get(message.sender) ?? { to: message.sender, networkMessageIds: [], recipients: [] };
    email.networkMessageIds.push(message.networkMessageId);
    for (const recipient of message.recipients) if (!email.recipients.includes(recipient)) email.recipients.push(recipient);
    bySender.set(message.sender, email);
  }
  return [...bySender.values()].sort((x, y) => x.to.localeCompare(y.to));
}
