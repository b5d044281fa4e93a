/**
 * Issue 20 on Azurite and the simulated tenant, on the real path (snapshot, detect, drain): a busy
 * helpdesk hour. One admin releases a bulk message to 500 recipients and 50 newsletters to 10
 * recipients each within the hour, alerts on, beside ordinary releases by someone else: every
 * ordinary sender is told once, the burst alert is delivered (in parts if it must), and no run fails.
 */
import { ALERT_HEADER } from '../../shared/email/alert';
import { NETWORK_MESSAGE_IDS_HEADER } from '../../shared/email/compose';
import { massRelease, quarantineRow } from '../../simulator/fixtures';
import { World } from '../support/world';

const MINUTE = 60_000;
const ago = (ms: number): Date => new Date(Date.now() - ms);
const world = World.forSuite();
jest.setTimeout(600_000);

type Mail = (typeof world.sim.sentMail)[number];
const header = (mail: Mail, name: string): string =>
  mail.message.internetMessageHeaders?.find((h) => h.name.toLowerCase() === name)?.value ?? '';
const toOf = (mail: Mail): string => (mail.message.toRecipients ?? []).map((r) => r.emailAddress.address).join(',');

describe('a busy hour: bulk and newsletter releases beside ordinary ones, alerts on', () => {
  it('tells every ordinary sender once, delivers the burst alert, and fails no run', async () => {
    const bulkAdmin = 'bulk.admin@contoso.com';
    const bulk = massRelease({
      recipients: 500,
      sender: 'marketing@contoso.com',
      by: bulkAdmin,
      releasedAt: ago(40 * MINUTE),
    });
    for (const row of bulk.rows) world.sim.tenant.quarantine.add(row);
    const records = [...bulk.records];
    for (let i = 0; i < 50; i++) {
      const letter = massRelease({
        recipients: 10,
        sender: `newsletter${i}@contoso.com`,
        subject: `Newsletter ${i}: ${'long subject words '.repeat(20)}`,
        by: bulkAdmin,
        releasedAt: ago((55 - i) * MINUTE),
      });
      for (const row of letter.rows) world.sim.tenant.quarantine.add(row);
      records.push(...letter.records);
    }
    const ordinary = Array.from({ length: 5 }, (_, i) => {
      const row = quarantineRow({
        SenderAddress: `user${i}@contoso.com`,
        RecipientAddress: [`partner${i}@fabrikam.example`],
        Subject: `Ordinary ${i}`,
        receivedAt: ago(120 * MINUTE),
      });
      world.sim.tenant.quarantine.add(row);
      records.push(
        ...world.sim.tenant.quarantine.release(row.Identity, undefined, {
          by: 'helpdesk@contoso.com',
          at: ago(20 * MINUTE),
        }),
      );
      return row;
    });
    world.sim.audit.publish(records);

    const runtime = world.runtime({ ALERT_RECIPIENTS: 'soc@contoso.com', NOTIFY_MAX_PER_MINUTE: '10000' });
    await runtime.snapshot();
    const detected = await runtime.detect();
    expect(detected).toMatchObject({ newReleases: 1005, matched: 1005, pending: 0 });
    expect(detected.alerts).toBeGreaterThanOrEqual(1);
    const drained = await runtime.drainNotifications();
    expect(drained).toMatchObject({ failed: 0, poisoned: 0 });

    const mail = world.sim.sentMail;
    // Every ordinary sender told once, about their own message.
    for (const [i, row] of ordinary.entries()) {
      const told = mail.filter((m) => toOf(m) === `user${i}@contoso.com`);
      expect(told).toHaveLength(1);
      expect(header(told[0], NETWORK_MESSAGE_IDS_HEADER)).toBe(row.Identity.split('\\')[0].toLowerCase());
    }
    // Every newsletter sender told, once each.
    for (let i = 0; i < 50; i++) expect(mail.filter((m) => toOf(m) === `newsletter${i}@contoso.com`)).toHaveLength(1);
    // The bulk sender told of every one of the 500 releases.
    expect(mail.filter((m) => toOf(m) === 'marketing@contoso.com').length).toBeGreaterThanOrEqual(1);
    // The burst alert reached the security team, every part within the header's budget.
    const alerts = mail.filter((m) => toOf(m) === 'soc@contoso.com');
    const bursts = alerts.filter((m) => header(m, ALERT_HEADER) === 'burst');
    // 50 releases with long subjects and 10 recipients each are more than one queue message holds
    // (before: 413 RequestBodyTooLarge and a failed detection run): the alert comes in parts.
    expect(bursts.length).toBeGreaterThanOrEqual(2);
    expect(bursts.map((m) => m.message.subject)).toContainEqual(
      expect.stringContaining(`(part 1 of ${bursts.length})`),
    );
    for (const a of alerts) expect(header(a, NETWORK_MESSAGE_IDS_HEADER).length).toBeLessThanOrEqual(900);
    // A second round has nothing left: nothing stuck, nothing sent twice.
    expect(await world.runtime({ ALERT_RECIPIENTS: 'soc@contoso.com' }).detect()).toMatchObject({
      pending: 0,
      jobs: 0,
    });
    expect(await runtime.drainNotifications()).toMatchObject({ sent: 0, failed: 0, poisoned: 0 });
  });
});
