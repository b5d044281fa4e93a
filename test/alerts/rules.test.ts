import { burstFindings, messageFindings, type AlertSettings, type ReleaseView } from '../../shared/alerts/rules';
import { composeAlert } from '../../shared/email/alert';
import { alertJobsFor, makeAlertJob, parseAlertJob } from '../../shared/jobs/alertJob';
import { MalformedJobError } from '../../shared/jobs/notificationJob';
import { toGraphMessage } from '../../shared/graph/graphMessage';
import { releaseEvent } from '../support/mothers';

const SETTINGS: AlertSettings = {
  recipients: ['soc@contoso.com', 'secops@contoso.com'],
  riskyTypes: ['Malware', 'HighConfPhish', 'Phish'],
  burstReleases: 20,
  releasedToOther: true,
};
const NMID = '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d';
const T0 = Date.parse('2026-12-01T09:00:00Z');

function view(
  over: {
    type?: string;
    to?: string;
    by?: string;
    at?: number;
    id?: string;
    nmid?: string;
    subject?: string;
    source?: number;
  } = {},
): ReleaseView {
  return {
    release: releaseEvent({
      recordId: over.id ?? 'rec-1',
      networkMessageId: over.nmid ?? NMID,
      releasedTo: over.to ?? 'bob@contoso.com',
      releasedBy: over.by === 'system' ? undefined : (over.by ?? 'secadmin@contoso.com'),
      releasedAt: new Date(over.at ?? T0),
      requestSource: over.source,
    }),
    message: {
      sender: 'attacker@evil.example',
      recipients: ['bob@contoso.com'],
      subject: over.subject ?? 'Invoice',
      receivedAt: '2026-12-01T08:00:00.000Z',
      quarantineType: over.type ?? 'HighConfPhish',
      policyName: 'Default',
      origin: 'outside the organisation (header: DIR:INB)',
    },
  };
}

describe('the risky-type rule', () => {
  it('fires for malware, high-confidence phish and phish, by an admin, the system or a link', () => {
    const findings = messageFindings(
      [
        view({ type: 'Malware' }),
        view({ type: 'Phish', by: 'system', id: 'r2' }),
        view({ type: 'HighConfPhish', source: 2, id: 'r3' }),
      ],
      SETTINGS,
    );
    expect(findings.filter((f) => f.rule === 'risky-type')).toHaveLength(3);
  });

  it('stays quiet for routine mail-flow-rule and DLP holds, and when alerts are off', () => {
    expect(
      messageFindings(
        [view({ type: 'TransportRule' }), view({ type: 'DataLossPrevention' }), view({ type: 'Spam' })],
        SETTINGS,
      ),
    ).toEqual([]);
    expect(messageFindings([view({ type: 'Malware' })], { ...SETTINGS, recipients: [] })).toEqual([]);
    expect(messageFindings([view({ type: 'Malware' })], { ...SETTINGS, riskyTypes: [] })).toEqual([]);
  });

  it('adds released-to-other when a risky copy goes to a mailbox that was not a recipient', () => {
    const rules = messageFindings([view({ type: 'Malware', to: 'admin@contoso.com' })], SETTINGS).map((f) => f.rule);
    expect(rules).toEqual(['risky-type', 'released-to-other']);
  });

  it('keys each finding by message and recipient, so a repeated record is the same ledger item', () => {
    const [a] = messageFindings([view({ type: 'Malware', id: 'r1' })], SETTINGS);
    const [b] = messageFindings([view({ type: 'Malware', id: 'r2' })], SETTINGS);
    expect(a.key).toBe(b.key);
  });
});

describe('the burst rule', () => {
  const releases = (n: number, everyMs: number, by = 'bulk@contoso.com'): ReleaseView[] =>
    Array.from({ length: n }, (_, i) =>
      view({ type: 'TransportRule', by, at: T0 + i * everyMs, id: `r${String(i).padStart(3, '0')}` }),
    );

  it('is one finding for 25 releases within an hour, listing all of them', () => {
    const findings = burstFindings('bulk@contoso.com', releases(25, 60_000), 20);
    expect(findings).toHaveLength(1);
    expect(findings[0].releases).toHaveLength(25);
    expect(findings[0].key).toBe('bulk@contoso.com|r000');
  });

  it('does not fire at the threshold, nor for releases spread over hours', () => {
    expect(burstFindings('bulk@contoso.com', releases(20, 60_000), 20)).toEqual([]);
    expect(burstFindings('bulk@contoso.com', releases(40, 10 * 60_000), 20)).toEqual([]);
  });

  it('keeps the same key when a later run sees the same burst grown', () => {
    const first = burstFindings('bulk@contoso.com', releases(21, 60_000), 20);
    const later = burstFindings('bulk@contoso.com', releases(30, 60_000), 20);
    expect(later.map((f) => f.key)).toEqual(first.map((f) => f.key));
  });

  it('is off at 0', () => {
    expect(burstFindings('bulk@contoso.com', releases(100, 1000), 0)).toEqual([]);
  });
});

describe('the alert email', () => {
  it('names the rule and count in its subject, carries the ids and rule headers, and goes only to ALERT_RECIPIENTS', () => {
    const jobs = alertJobsFor(
      messageFindings(
        [
          view({ type: 'HighConfPhish', id: 'r1' }),
          view({ type: 'HighConfPhish', id: 'r2', nmid: '7e1d2c3b-4a59-4687-8b9a-0c1d2e3f4a5b' }),
        ],
        { ...SETTINGS, releasedToOther: false },
      ),
    );
    expect(jobs).toHaveLength(1);
    const email = composeAlert(jobs[0], SETTINGS.recipients);
    expect(email.subject).toBe(
      'Quarantine alert: high-confidence phish released by secadmin@contoso.com (2 messages, 2 releases)',
    );
    const message = toGraphMessage(email);
    expect(message.toRecipients.map((r) => r.emailAddress.address)).toEqual(['soc@contoso.com', 'secops@contoso.com']);
    expect(message.internetMessageHeaders).toEqual(
      expect.arrayContaining([
        { name: 'x-qrn-network-message-ids', value: `${NMID},7e1d2c3b-4a59-4687-8b9a-0c1d2e3f4a5b` },
        { name: 'x-qrn-alert', value: 'risky-type' },
      ]),
    );
    expect(email.html).toMatch(/What to do next/);
    // The real query for exactly these messages, not a placeholder.
    expect(email.html).toContain(
      `EmailEvents | where NetworkMessageId in (&quot;${NMID}&quot;, &quot;7e1d2c3b-4a59-4687-8b9a-0c1d2e3f4a5b&quot;)`,
    );
    expect(email.html).not.toMatch(/&lt;id&gt;/);
    // A Defender portal link per message, built from its (checked) NetworkMessageId.
    expect(email.html).toContain(`https://security.microsoft.com/emailentity?f=summary&amp;id=${NMID}`);
    // Times read as a person writes them, with the zone named (not ISO strings); the date is kept whole.
    expect(email.html).toContain(
      '<span style="white-space:nowrap">1 Dec 2026</span> <span style="white-space:nowrap">09:00 UTC</span>',
    );
    expect(email.html).not.toMatch(/2026-12-01T09:00/);
  });

  it('escapes and defangs a hostile subject, and says when a link (maybe a scanner) released it', () => {
    const jobs = alertJobsFor(
      messageFindings(
        [
          view({
            type: 'Malware',
            source: 2,
            subject: '<img src=x onerror=alert(1)> reset at https://login.evil.example/x\r\nBcc: a@b.c',
          }),
        ],
        { ...SETTINGS, releasedToOther: false },
      ),
    );
    const email = composeAlert(jobs[0], SETTINGS.recipients);
    expect(email.html).not.toMatch(/<img/);
    expect(email.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(email.html).not.toMatch(/https:\/\/login\.evil\.example/);
    expect(email.html).toMatch(/hxxps/);
    expect(email.html).toMatch(/link scanner/);
    expect(email.subject).not.toMatch(/[\r\n]/);
  });

  it('a burst is one email naming the account and the true count', () => {
    const views = Array.from({ length: 60 }, (_, i) =>
      view({
        type: 'TransportRule',
        by: 'bulk@contoso.com',
        at: T0 + i * 30_000,
        id: `r${String(i).padStart(3, '0')}`,
      }),
    );
    const jobs = alertJobsFor(burstFindings('bulk@contoso.com', views, 20));
    expect(jobs).toHaveLength(1);
    const email = composeAlert(jobs[0], SETTINGS.recipients);
    // 60 releases of one message: messages and releases are counted apart, the threshold is named.
    expect(email.subject).toBe(
      'Quarantine alert: 60 releases of 1 message by bulk@contoso.com within an hour (more than 20)',
    );
    expect(email.html).toMatch(/and 10 more releases/);
    expect(email.html).toContain('more than the threshold of 20 (ALERT_BURST_RELEASES = 20)');
    // Burst-only releases are summary rows, not a details block each: a burst stays a few screens.
    expect(email.html).not.toMatch(/Details of the risky releases/);
  });

  it('one email per releasing account and run lists every rule for each release, malware first', () => {
    const malware = view({
      type: 'Malware',
      id: 'r-mal',
      at: T0 + 50 * 60_000,
      to: 'eve@contoso.com',
      nmid: '11111111-2222-4333-8444-555555555555',
    });
    const phish = view({ type: 'Phish', id: 'r-phish', at: T0 });
    const routine = Array.from({ length: 20 }, (_, i) =>
      view({ type: 'TransportRule', id: `r-tr${String(i).padStart(2, '0')}`, at: T0 + (i + 1) * 60_000 }),
    );
    const all = [phish, malware, ...routine];
    const findings = [...messageFindings(all, SETTINGS), ...burstFindings('secadmin@contoso.com', all, 20)];
    expect(new Set(findings.map((f) => f.rule))).toEqual(new Set(['risky-type', 'released-to-other', 'burst']));
    const jobs = alertJobsFor(findings);
    expect(jobs).toHaveLength(1);
    const email = composeAlert(jobs[0], SETTINGS.recipients);
    expect(email.subject).toBe(
      'Quarantine alert: malware released by secadmin@contoso.com (2 messages, 22 releases; 22 within an hour, more than 20)',
    );
    // The malware release leads the summary table although it came last.
    const table = email.html.slice(email.html.indexOf('<table'), email.html.indexOf('</table>'));
    expect(table.indexOf('malware')).toBeGreaterThan(0);
    expect(table.indexOf('malware')).toBeLessThan(table.indexOf('phish'));
    // Each release once in the table, with both of its rules in its details.
    expect(table.match(/<tr>/g)).toHaveLength(1 + 22);
    expect(email.html).toContain('risky type, released to a non-recipient, burst');
    expect(email.html).toMatch(/Risky type: 2 releases/);
    expect(email.html).toMatch(/Released to a mailbox that was not one of the message’s recipients: 1 release/);
    // Origin in plain words: no rule codes, no Direction.
    expect(email.html).not.toMatch(/DIR:INB|Direction says/);
    // A rule-coded origin queued before the plain words reads as its verdict alone.
    expect(email.html).toContain('came from outside your organisation');
    // Ledger items stay per rule: each rule still reports each release once.
    expect(jobs[0].items.map((i) => i.rule)).toEqual(['risky-type', 'risky-type', 'released-to-other', 'burst']);
  });
});

describe('alert jobs off the queue', () => {
  it('round-trip, and a hostile job is malformed', () => {
    const [job] = alertJobsFor(messageFindings([view({ type: 'Malware' })], { ...SETTINGS, releasedToOther: false }));
    expect(parseAlertJob(JSON.parse(JSON.stringify(job)) as Record<string, unknown>)).toEqual(job);
    expect(() => parseAlertJob({ ...job, rule: 'rm -rf' } as unknown as Record<string, unknown>)).toThrow(
      MalformedJobError,
    );
    const bad = JSON.parse(JSON.stringify(job)) as { items: Array<{ releases: Array<{ networkMessageId: string }> }> };
    bad.items[0].releases[0].networkMessageId = 'not-a-guid';
    expect(() => parseAlertJob(bad as unknown as Record<string, unknown>)).toThrow(/not a GUID/);
    expect(makeAlertJob('burst', 'x', job.items).jobId).not.toBe(job.jobId);
  });
});
