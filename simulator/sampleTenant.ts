/**
 * The demo's built-in tenant (`npm start`): contoso.com, with outbound messages held by a mail-flow
 * rule and by DLP and released in the ways that matter, plus the cases that must NOT produce an
 * email: where Get-QuarantineMessage's Direction lies (a spoof of the own domain labelled Outbound,
 * an internal message labelled Inbound; each row's header tells the truth), a copy released to an
 * admin, risky releases (malware, phish by a notification link, a burst of 22 by one account) and
 * a month of other quarantine activity, arrivals and post-delivery events for the report. Every name is invented. Times are relative to `now`: rows received hours ago, releases
 * 30-90 minutes ago, audit blobs created a few minutes ago (the simulator runs on the real clock).
 *
 * What it plants is returned, with what the notifier should do about each message, so the demo can
 * print it and the test can check the product against it.
 */
import {
  auditTime,
  noiseRecords,
  quarantineRecord,
  quarantineRow,
  releaseRecord,
  SYSTEM_RELEASE_USER,
  type QuarantineOperation,
} from './fixtures';
import type { MessageOrigin } from './headers';
import type { M365Simulator } from './index';
import { postDeliveryEvent, type PostDeliveryEvent } from './postDelivery';
import type { AuditRecord, QuarantineRow } from './tenant';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export const SAMPLE_ADMIN = 'secadmin@contoso.com';
export const SAMPLE_SENDER_MAILBOX = 'quarantine-notices@contoso.com';
/** The security team of the sample tenant: the demo's alerts go here. */
export const SAMPLE_ALERT_RECIPIENTS = 'soc@contoso.com';

const TRANSPORT_RULE = {
  Type: 'TransportRule',
  QuarantineTypes: 'TransportRule',
  PolicyType: 'ExchangeTransportRule',
  PolicyName: 'Quarantine outbound attachments to external',
};
const DLP = {
  Type: 'DataLossPrevention',
  QuarantineTypes: 'DataLossPrevention',
  PolicyType: 'DataLossPrevention',
  PolicyName: 'Block credit card numbers to external recipients',
};
const INBOUND_SPAM = {
  Type: 'Spam',
  QuarantineTypes: 'Spam',
  PolicyType: 'HostedContentFilterPolicy',
  PolicyName: 'Default',
  TagName: 'DefaultFullAccessPolicy',
};
const HIGH_CONFIDENCE_PHISH = {
  Type: 'HighConfPhish',
  QuarantineTypes: 'HighConfPhish',
  PolicyType: 'HostedContentFilterPolicy',
  PolicyName: 'Default',
  TagName: 'AdminOnlyAccessPolicy',
};
const PHISH = {
  Type: 'Phish',
  QuarantineTypes: 'Phish',
  PolicyType: 'AntiPhishPolicy',
  PolicyName: 'Office365 AntiPhish Default',
  TagName: 'DefaultFullAccessWithNotificationPolicy',
  PermissionToRelease: true,
};
const MALWARE = {
  Type: 'Malware',
  QuarantineTypes: 'Malware',
  PolicyType: 'MalwareFilterPolicy',
  PolicyName: 'Default',
  TagName: 'AdminOnlyAccessPolicy',
};
const BULK = {
  Type: 'Bulk',
  QuarantineTypes: 'Bulk',
  PolicyType: 'HostedContentFilterPolicy',
  PolicyName: 'Default',
  TagName: 'DefaultFullAccessPolicy',
  PermissionToRelease: true,
};
const INTERNAL_DLP = {
  Type: 'DataLossPrevention',
  QuarantineTypes: 'DataLossPrevention',
  PolicyType: 'DataLossPrevention',
  PolicyName: 'Protect HR records inside the organisation',
};

/** The account that releases 22 messages within the hour: the burst an alert should catch. */
export const BURST_RELEASER = 'helpdesk@contoso.com';
export const BURST_SIZE = 22;
/** A subject with an attacker's URL, from an internal sender: a notice must not make it clickable. */
export const PHISH_URL_SUBJECT = 'Urgent: re-verify your mailbox at https://contoso-login.evil.example/reset';

/** A subject written by an attacker: markup, quotes and a header-injection attempt. */
export const HOSTILE_SUBJECT = '<img src=x onerror=alert(1)> Invoice "urgent"\r\nBcc: victim@contoso.com';

/** What the notifier should do about a planted message. */
export type Expectation = { kind: 'email' } | { kind: 'no-email'; because: string };

export interface PlantedMessage {
  /** Short label for the report. */
  label: string;
  networkMessageId: string;
  sender: string;
  recipients: string[];
  subject: string;
  direction: 'Outbound' | 'Inbound';
  /** Where it really came from: what its header says (Direction can lie). */
  origin: MessageOrigin;
  /** Who it was released to (empty when not released). */
  releasedTo: string[];
  /** Rows planted together and printed as one line (the burst). */
  group?: string;
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
  /** Quarantine audit records (RecordType 65) per UTC day, each counted once by Id: what a report must show. */
  activity: DailyActivity[];
  /** EmailPostDeliveryEvents published over the 30 days before `now` (advanced hunting, the ZAP report). */
  postDelivery: PostDeliveryEvent[];
}

/** Counts of quarantine audit records on one UTC day, by RequestType; failed ones apart. */
export interface DailyActivity {
  date: string;
  release: number;
  delete: number;
  preview: number;
  export: number;
  viewHeader: number;
  releaseRequest: number;
  denyRelease: number;
  failed: number;
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
  spoof: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a0a',
  mislabelled: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a0b',
  intraOrg: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a0c',
  copyToAdmin: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a0d',
  malware: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a0e',
  phishUrl: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a0f',
  linkRelease: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a10',
  hybrid: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a11',
  connector: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a12',
} as const;

/** The burst's NetworkMessageIds: 3f8e2b1a-...-5b01 to ...-5b16. */
const burstId = (index: number): string =>
  `3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5b${(index + 1).toString(16).padStart(2, '0')}`;

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
  /** What its header says; default: what Direction suggests. */
  origin?: MessageOrigin;
  /** Released to these instead of all original recipients (a copy to an admin). */
  releaseTo?: string[];
  /** The release came through a link in a quarantine notification (RequestSource 2), by an end user. */
  byLink?: boolean;
  group?: string;
  expect: Expectation;
}

const PLANS: Plan[] = [
  {
    label: 'admin release',
    id: ID.pricing,
    row: {
      SenderAddress: 'alice@contoso.com',
      RecipientAddress: ['bob@fabrikam.example'],
      Subject: 'Q3 pricing sheet',
      ...TRANSPORT_RULE,
    },
    receivedHoursAgo: 6,
    releasedMinutesAgo: 85,
    by: SAMPLE_ADMIN,
    blob: 0,
    expect: { kind: 'email' },
  },
  {
    label: "alice's second message",
    id: ID.cards,
    row: {
      SenderAddress: 'alice@contoso.com',
      RecipientAddress: ['payments@northwind.example'],
      Subject: 'Card payments to reconcile (October)',
      Size: 18230,
      ...DLP,
    },
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
    row: {
      SenderAddress: 'dave@contoso.com',
      RecipientAddress: ['orders@tailspin.example'],
      Subject: 'Weekly supplier report',
      ...DLP,
    },
    receivedHoursAgo: 3,
    releasedMinutesAgo: 35,
    by: SYSTEM_RELEASE_USER,
    blob: 1,
    expect: { kind: 'email' },
  },
  {
    label: 'hostile subject',
    id: ID.hostile,
    row: {
      SenderAddress: 'erin@contoso.com',
      RecipientAddress: ['ap@fabrikam.example'],
      Subject: HOSTILE_SUBJECT,
      ...TRANSPORT_RULE,
    },
    receivedHoursAgo: 2,
    releasedMinutesAgo: 45,
    by: SAMPLE_ADMIN,
    blob: 1,
    expect: { kind: 'email' },
  },
  {
    label: 'inbound',
    id: ID.inbound,
    row: {
      SenderAddress: 'billing@fabrikam.example',
      RecipientAddress: ['alice@contoso.com'],
      Subject: 'Your invoice is overdue',
      Direction: 'Inbound',
      ...INBOUND_SPAM,
    },
    receivedHoursAgo: 7,
    releasedMinutesAgo: 60,
    by: SAMPLE_ADMIN,
    blob: 0,
    expect: { kind: 'no-email', because: 'inbound, external sender' },
  },
  {
    label: 'empty sender',
    id: ID.noSender,
    row: {
      SenderAddress: '',
      RecipientAddress: ['partner@fabrikam.example'],
      Subject: 'Automated export',
      ...TRANSPORT_RULE,
    },
    receivedHoursAgo: 4,
    releasedMinutesAgo: 55,
    by: SAMPLE_ADMIN,
    blob: 0,
    expect: { kind: 'no-email', because: 'no sender (logged)' },
  },
  {
    label: 'failed release',
    id: ID.failed,
    row: {
      SenderAddress: 'frank@contoso.com',
      RecipientAddress: ['hr@tailspin.example'],
      Subject: 'Salary review 2025',
      ...DLP,
    },
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
    row: {
      SenderAddress: 'grace@contoso.com',
      RecipientAddress: ['board@northwind.example'],
      Subject: 'Board deck draft',
      ...TRANSPORT_RULE,
    },
    receivedHoursAgo: 1,
    blob: 0,
    expect: { kind: 'no-email', because: 'not released' },
  },
  {
    // The seed's oddity: Direction says Outbound, the header says it came from the internet.
    label: 'spoofed internal sender',
    id: ID.spoof,
    row: {
      SenderAddress: 'payroll@contoso.com',
      RecipientAddress: ['alice@contoso.com', 'carol@contoso.com'],
      Subject: 'Action required: confirm your salary account',
      Direction: 'Outbound',
      ...HIGH_CONFIDENCE_PHISH,
    },
    origin: 'spoof',
    receivedHoursAgo: 5,
    releasedMinutesAgo: 25,
    by: SAMPLE_ADMIN,
    blob: 1,
    expect: { kind: 'no-email', because: 'spoof of contoso.com from outside (header: Incoming, compauth=fail)' },
  },
  {
    label: 'internal message labelled Inbound',
    id: ID.mislabelled,
    row: {
      SenderAddress: 'henry@contoso.com',
      RecipientAddress: ['procurement@tailspin.example'],
      Subject: 'Signed purchase order 4471',
      Direction: 'Inbound',
      ...TRANSPORT_RULE,
    },
    origin: 'outbound',
    receivedHoursAgo: 4,
    releasedMinutesAgo: 65,
    by: SAMPLE_ADMIN,
    blob: 0,
    expect: { kind: 'email' },
  },
  {
    label: 'intra-organisation DLP hold',
    id: ID.intraOrg,
    row: {
      SenderAddress: 'ivan@contoso.com',
      RecipientAddress: ['carol@contoso.com'],
      Subject: 'Performance reviews 2026 (HR only)',
      ...INTERNAL_DLP,
    },
    origin: 'intra-org',
    receivedHoursAgo: 3,
    releasedMinutesAgo: 30,
    by: SAMPLE_ADMIN,
    blob: 1,
    expect: { kind: 'email' },
  },
  {
    // Hybrid: the on-premises mailbox's mail arrives over the hybrid connector with DIR:INB. Held as
    // phish on mail addressed inside only, the fallback would refuse it; the header tells.
    label: 'hybrid on-premises sender',
    id: ID.hybrid,
    row: {
      SenderAddress: 'leo@contoso.com',
      RecipientAddress: ['carol@contoso.com'],
      Subject: 'Site visit photos (from the plant)',
      Direction: 'Inbound',
      ...PHISH,
    },
    origin: 'hybrid',
    receivedHoursAgo: 3,
    releasedMinutesAgo: 40,
    by: SAMPLE_ADMIN,
    blob: 0,
    expect: { kind: 'email' },
  },
  {
    label: 'outbound through the own connector',
    id: ID.connector,
    row: {
      SenderAddress: 'mia@contoso.com',
      RecipientAddress: ['orders@tailspin.example'],
      Subject: 'Order confirmation 8812',
      ...DLP,
    },
    origin: 'connector',
    receivedHoursAgo: 2,
    releasedMinutesAgo: 35,
    by: SAMPLE_ADMIN,
    blob: 1,
    expect: { kind: 'email' },
  },
  {
    label: 'copy released to an admin',
    id: ID.copyToAdmin,
    row: {
      SenderAddress: 'judy@contoso.com',
      RecipientAddress: ['counsel@fabrikam.example'],
      Subject: 'Settlement draft v3',
      ...TRANSPORT_RULE,
    },
    receivedHoursAgo: 2,
    releasedMinutesAgo: 20,
    by: SAMPLE_ADMIN,
    releaseTo: [SAMPLE_ADMIN],
    blob: 1,
    expect: { kind: 'no-email', because: 'released to an admin, not to a recipient' },
  },
  {
    label: 'inbound malware',
    id: ID.malware,
    row: {
      SenderAddress: 'scanner@tailspin.example',
      RecipientAddress: ['alice@contoso.com'],
      Subject: 'Scanned document 0042',
      Direction: 'Inbound',
      ...MALWARE,
    },
    receivedHoursAgo: 6,
    releasedMinutesAgo: 15,
    by: SAMPLE_ADMIN,
    blob: 1,
    expect: { kind: 'no-email', because: 'inbound (a malware release: alert)' },
  },
  {
    label: 'phish URL in the subject',
    id: ID.phishUrl,
    row: {
      SenderAddress: 'kim@contoso.com',
      RecipientAddress: ['ap@northwind.example'],
      Subject: PHISH_URL_SUBJECT,
      ...TRANSPORT_RULE,
    },
    receivedHoursAgo: 2,
    releasedMinutesAgo: 10,
    by: SAMPLE_ADMIN,
    blob: 1,
    expect: { kind: 'email' },
  },
  {
    label: 'phish released by a link',
    id: ID.linkRelease,
    row: {
      SenderAddress: 'alerts@fabrikam-secure.example',
      RecipientAddress: ['carol@contoso.com'],
      Subject: 'Your mailbox storage is full',
      Direction: 'Inbound',
      ...PHISH,
    },
    receivedHoursAgo: 8,
    releasedMinutesAgo: 12,
    by: 'carol@contoso.com',
    byLink: true,
    blob: 1,
    expect: { kind: 'no-email', because: 'inbound (a phish release by a notification link: alert)' },
  },
  // A burst: 22 releases by one account within the hour (inbound bulk mail, so no notices).
  ...Array.from({ length: BURST_SIZE }, (_, i): Plan => ({
    label: `burst ${i + 1}`,
    id: burstId(i),
    row: {
      SenderAddress: `news${(i % 4) + 1}@bulk-mailer.example`,
      RecipientAddress: [`staff${String(i + 1).padStart(2, '0')}@contoso.com`],
      Subject: `Weekly deals #${100 + i}`,
      Direction: 'Inbound',
      ...BULK,
    },
    receivedHoursAgo: 9,
    releasedMinutesAgo: 58 - i * 2,
    by: BURST_RELEASER,
    blob: (i % 2) as 0 | 1,
    group: `${BURST_SIZE} bulk newsletters (a burst)`,
    expect: { kind: 'no-email', because: 'inbound bulk (a burst of releases: alert)' },
  })),
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
    const row = quarantineRow({
      ...plan.row,
      networkMessageId: plan.id,
      receivedAt: at(plan.receivedHoursAgo * HOUR_MS),
    });
    sim.tenant.quarantine.add(row, { origin: plan.origin });
    let release = 'not released';
    let releasedTo: string[] = [];
    if (plan.releasedMinutesAgo !== undefined) {
      const releasedAt = at(plan.releasedMinutesAgo * MINUTE_MS);
      const by = plan.by ?? SAMPLE_ADMIN;
      if (plan.failed) {
        // A failed attempt leaves the row held; the audit log still records it.
        blobs[plan.blob].push(
          releaseRecord({
            NetworkMessageId: plan.id,
            ReleaseTo: row.RecipientAddress[0],
            UserId: by,
            ResultStatus: 'Failed',
            OrganizationId: sim.tenantId,
            at: releasedAt,
          }),
        );
        failedReleases++;
        release = 'failed attempt';
      } else {
        const released = sim.tenant.quarantine.release(row.Identity, plan.releaseTo, { by, at: releasedAt });
        // An end user's release through a notification link: RequestSource 2, a regular user.
        const records = plan.byLink
          ? released.map((record): AuditRecord => ({ ...record, RequestSource: 2, UserType: 0 }))
          : released;
        blobs[plan.blob].push(...records);
        releaseRecords += records.length;
        release = plan.byLink ? `${by} (link)` : by;
        releasedTo = records.map((record) => String(record.ReleaseTo));
      }
    }
    messages.push({
      label: plan.label,
      networkMessageId: plan.id,
      sender: row.SenderAddress,
      recipients: [...row.RecipientAddress],
      subject: row.Subject,
      direction: row.Direction === 'Inbound' ? 'Inbound' : 'Outbound',
      origin: plan.origin ?? (row.Direction === 'Inbound' ? 'inbound' : 'outbound'),
      releasedTo,
      ...(plan.group ? { group: plan.group } : {}),
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
  failedReleases += noise
    .flat()
    .filter((record) => record.Operation === 'QuarantineReleaseMessage' && record.ResultStatus === 'Failed').length;
  const noiseCount = noise
    .flat()
    .filter((record) => !(record.Operation === 'QuarantineReleaseMessage' && record.ResultStatus === 'Failed')).length;

  // Interleave noise and quarantine records, as a real feed mixes workloads.
  const contents = blobs.map((records, index) => interleave(records, noise[index]));
  sim.audit.publish(contents[0], { contentCreated: at(6 * MINUTE_MS), availableAt: now });
  sim.audit.publish(contents[1], { contentCreated: at(3 * MINUTE_MS), availableAt: now });

  // A month of other quarantine activity, one blob per earlier day, for the activity report.
  const history = pastActivity(now, sim.tenantId);
  // A month of arrivals (held inbound mail nobody releases) and of post-delivery events.
  for (const row of pastArrivals(now)) sim.tenant.quarantine.add(row);
  const postDelivery = pastPostDelivery(now);
  sim.postDelivery.publish(postDelivery);
  for (const day of history) sim.audit.publish(day.records, { contentCreated: day.contentCreated, availableAt: now });
  const historyRecords = history.flatMap((day) => day.records);
  failedReleases += historyRecords.filter(
    (record) => record.Operation === 'QuarantineReleaseMessage' && record.ResultStatus === 'Failed',
  ).length;
  // Successful releases of the month before (each one counted, of mail no longer listed).
  releaseRecords += historyRecords.filter(
    (record) => record.Operation === 'QuarantineReleaseMessage' && record.ResultStatus !== 'Failed',
  ).length;
  const all = [...contents.flat(), ...historyRecords];

  return {
    messages,
    rows: sim.tenant.quarantine.rows.length,
    blobs: contents.length + history.length,
    records: all.length,
    releaseRecords,
    duplicateRecords: 1,
    failedReleases,
    noiseRecords:
      noiseCount + historyRecords.filter((record) => record.Operation !== 'QuarantineReleaseMessage').length,
    expectedEmails: expectedEmails(messages),
    activity: dailyActivity(all),
    postDelivery,
  };
}

/** A steady pseudo-random count for day `d` (deterministic, so the demo looks the same every run). */
function wave(d: number, base: number, spread: number): number {
  const weekday = d % 7 === 0 || d % 7 === 6 ? 0.4 : 1;
  return Math.max(0, Math.round(weekday * (base + spread * Math.sin(d * 1.7) * Math.cos(d * 0.45))));
}

/** Inbound mail held on each of the 29 days before today: spam, phish, bulk, malware; never released. */
function pastArrivals(now: Date): QuarantineRow[] {
  const rows: QuarantineRow[] = [];
  const kinds = [
    { fields: INBOUND_SPAM, base: 6, spread: 4, subject: 'You have won a voucher' },
    { fields: PHISH, base: 2, spread: 2, subject: 'Your mailbox is almost full' },
    { fields: HIGH_CONFIDENCE_PHISH, base: 1, spread: 1, subject: 'Payroll update required' },
  ];
  for (let daysAgo = 1; daysAgo <= 29; daysAgo++) {
    const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - daysAgo, 7);
    kinds.forEach((kind, k) => {
      for (let i = 0; i < wave(daysAgo + k * 3, kind.base, kind.spread); i++) {
        rows.push(
          quarantineRow({
            ...kind.fields,
            SenderAddress: `news${k}${i}@promo-mailer.example`,
            RecipientAddress: ['bob@contoso.com'],
            Subject: kind.subject,
            Direction: 'Inbound',
            receivedAt: new Date(day + (k * 60 + i * 7) * MINUTE_MS),
          }),
        );
      }
    });
  }
  return rows;
}

/** Post-delivery events on each of the 30 days before today: admin remediation and ZAP, by final location. */
function pastPostDelivery(now: Date): PostDeliveryEvent[] {
  const events: PostDeliveryEvent[] = [];
  const plan: Array<[Partial<PostDeliveryEvent>, number, number]> = [
    [{ action: 'Moved to junk folder', actionType: 'Manual remediation', deliveryLocation: 'Junk folder' }, 2, 2],
    [{ action: 'Soft Delete', actionType: 'Manual remediation', deliveryLocation: 'Deleted items' }, 3, 3],
    [{ action: 'Hard Delete', actionType: 'Manual remediation', deliveryLocation: 'Dropped' }, 1, 1],
    [{ action: 'Moved to inbox', actionType: 'Manual remediation', deliveryLocation: 'Inbox/folder' }, 1, 1],
    [{ action: 'Quarantine release', actionType: 'Manual remediation', deliveryLocation: 'Inbox/folder' }, 1, 1],
    [
      {
        action: 'Moved to quarantine',
        actionType: 'Phish ZAP',
        actionTrigger: 'SpecialAction',
        deliveryLocation: 'Quarantine',
      },
      3,
      3,
    ],
    [
      {
        action: 'Moved to junk folder',
        actionType: 'Spam ZAP',
        actionTrigger: 'SpecialAction',
        deliveryLocation: 'Junk folder',
      },
      4,
      3,
    ],
    [
      {
        action: 'Moved to quarantine',
        actionType: 'Malware ZAP',
        actionTrigger: 'SpecialAction',
        deliveryLocation: 'Quarantine',
      },
      1,
      1,
    ],
  ];
  for (let daysAgo = 1; daysAgo <= 30; daysAgo++) {
    const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - daysAgo, 10);
    plan.forEach(([fields, base, spread], p) => {
      for (let i = 0; i < wave(daysAgo + p * 5, base, spread); i++)
        events.push(postDeliveryEvent({ ...fields, timestamp: new Date(day + (p * 30 + i) * MINUTE_MS) }));
    });
  }
  return events;
}

/** Quarantine actions on each of the 29 days before `now`: [operation, how many, extra fields]. */
function pastActivity(now: Date, tenantId: string): Array<{ contentCreated: Date; records: AuditRecord[] }> {
  const out: Array<{ contentCreated: Date; records: AuditRecord[] }> = [];
  for (let daysAgo = 1; daysAgo <= 29; daysAgo++) {
    // Mid-morning UTC that day: records at 09:00 + i minutes, the blob an hour later.
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - daysAgo, 9));
    const plan: Array<[QuarantineOperation, number, Record<string, unknown>]> = [
      ['QuarantinePreviewMessage', 1 + wave(daysAgo, 3, 3), {}],
      ['QuarantineDeleteMessage', wave(daysAgo + 2, 3, 3), {}],
      ['QuarantineExportMessage', daysAgo % 2 === 0 ? 1 : 0, {}],
      ['QuarantineViewHeader', 1, {}],
      ['QuarantineRequestReleaseMessage', 1, { UserId: 'alice@contoso.com', UserType: 0 }],
      // A release request through a notification link: link scanners click these too.
      [
        'QuarantineRequestReleaseMessage',
        daysAgo % 2 === 1 ? 1 : 0,
        { UserId: 'carol@contoso.com', UserType: 0, RequestSource: 2 },
      ],
      ['QuarantineDenyReleaseMessage', daysAgo % 2 === 1 ? 1 : 0, {}],
      [
        'QuarantineReleaseMessage',
        daysAgo === 2 || daysAgo === 5 ? 1 : 0,
        { ResultStatus: 'Failed', ReleaseTo: 'bob@fabrikam.example' },
      ],
      // Releases of mail that left the quarantine long ago (no row any more): counted, nobody told.
      ['QuarantineReleaseMessage', wave(daysAgo + 4, 1, 2), { ReleaseTo: 'bob@contoso.com', UserId: SAMPLE_ADMIN }],
      [
        'QuarantineReleaseMessage',
        daysAgo % 4 === 0 ? 1 : 0,
        { ReleaseTo: 'bob@contoso.com', UserId: SYSTEM_RELEASE_USER, UserType: 4 },
      ],
    ];
    const records: AuditRecord[] = [];
    for (const [operation, count, fields] of plan) {
      for (let i = 0; i < count; i++) {
        const record = quarantineRecord(operation, { OrganizationId: tenantId, ...fields });
        record.CreationTime = auditTime(new Date(day.getTime() + records.length * MINUTE_MS));
        records.push(record);
      }
    }
    // The feed lists only the last 7 days' blobs: a product running all month read the older days when
    // they were new; a fresh demo reads them from blobs inside that reach (records keep their own day).
    const reach = now.getTime() - 6 * 24 * HOUR_MS + daysAgo * MINUTE_MS;
    out.push({ contentCreated: new Date(Math.max(day.getTime() + HOUR_MS, reach)), records });
  }
  return out;
}

const ACTIVITY_BY_REQUEST_TYPE: Record<number, keyof Omit<DailyActivity, 'date' | 'failed'>> = {
  0: 'preview',
  1: 'delete',
  2: 'release',
  3: 'export',
  4: 'viewHeader',
  5: 'releaseRequest',
  7: 'denyRelease',
};

/** Quarantine records per UTC day of CreationTime, by RequestType, each Id once, failed ones apart; oldest day first. */
export function dailyActivity(records: readonly AuditRecord[]): DailyActivity[] {
  const seen = new Set<string>();
  const days = new Map<string, DailyActivity>();
  for (const record of records) {
    if (record.RecordType !== 65 || seen.has(record.Id)) continue;
    seen.add(record.Id);
    const date = record.CreationTime.slice(0, 10);
    const day = days.get(date) ?? {
      date,
      release: 0,
      delete: 0,
      preview: 0,
      export: 0,
      viewHeader: 0,
      releaseRequest: 0,
      denyRelease: 0,
      failed: 0,
    };
    days.set(date, day);
    if (record.ResultStatus === 'Failed') day.failed++;
    else {
      const kind = ACTIVITY_BY_REQUEST_TYPE[Number(record.RequestType)];
      if (kind) day[kind]++;
    }
  }
  return [...days.values()].sort((a, b) => a.date.localeCompare(b.date));
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
    for (const recipient of message.recipients)
      if (!email.recipients.includes(recipient)) email.recipients.push(recipient);
    bySender.set(message.sender, email);
  }
  return [...bySender.values()].sort((x, y) => x.to.localeCompare(y.to));
}
