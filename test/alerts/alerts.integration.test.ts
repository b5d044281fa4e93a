import { detectReleases } from '../../shared/detect/detectReleases';
import { isAlertJob } from '../../shared/jobs/queuedJob';
import { drainQueue } from '../../shared/notify/drainQueue';
import { sendAlert } from '../../shared/notify/sendAlert';
import { quarantineRow } from '../../simulator/fixtures';
import type { QuarantineRow } from '../../simulator/tenant';
import { CrashPlan, InjectedCrash } from '../support/crash';
import { World } from '../support/world';

const world = World.forSuite();
const HOUR = 3_600_000;
const ago = (ms: number): Date => new Date(Date.now() - ms);
const SOC = { ALERT_RECIPIENTS: 'soc@contoso.com; secops@contoso.com' };

function quarantined(over: Parameters<typeof quarantineRow>[0] = {}, origin?: 'inbound' | 'outbound'): QuarantineRow {
  const row = quarantineRow({ receivedAt: ago(3 * HOUR), ...over });
  world.sim.tenant.quarantine.add(row, origin ? { origin } : undefined);
  return row;
}

const alerts = () =>
  world.sim.sentMail.filter((m) => m.message.internetMessageHeaders?.some((h) => h.name === 'x-qrn-alert'));
const header = (mail: (typeof world.sim.sentMail)[number], name: string) =>
  mail.message.internetMessageHeaders?.find((h) => h.name === name)?.value;

async function cycle(extra: Record<string, string> = SOC): Promise<void> {
  const runtime = world.runtime(extra);
  await runtime.snapshot();
  await runtime.detect();
  await runtime.drainNotifications({ retryAfterSeconds: 0 });
}

describe('alerts to the security team', () => {
  it('a released malware message raises one alert to ALERT_RECIPIENTS only; the routine mail-flow-rule release raises none; reruns and a repeated record add nothing', async () => {
    const malware = quarantined(
      {
        SenderAddress: 'payroll@evil.example',
        RecipientAddress: ['bob@contoso.com'],
        Type: 'Malware',
        QuarantineTypes: 'Malware',
        Subject: '<b>Invoice</b> at https://evil.example/pay',
        Direction: 'Inbound',
      },
      'inbound',
    );
    const routine = quarantined(
      {
        SenderAddress: 'alice@contoso.com',
        RecipientAddress: ['dan@fabrikam.example'],
        Type: 'TransportRule',
        QuarantineTypes: 'TransportRule',
      },
      'outbound',
    );
    const records = [
      ...world.sim.tenant.quarantine.release(malware.Identity, undefined, {
        by: 'secadmin@contoso.com',
        at: ago(2 * HOUR),
      }),
      ...world.sim.tenant.quarantine.release(routine.Identity, undefined, {
        by: 'secadmin@contoso.com',
        at: ago(2 * HOUR),
      }),
    ];
    world.sim.audit.publish(records);

    await cycle();
    expect(alerts()).toHaveLength(1);
    const alert = alerts()[0];
    expect(alert.message.toRecipients?.map((r) => r.emailAddress.address).sort()).toEqual([
      'secops@contoso.com',
      'soc@contoso.com',
    ]);
    expect(alert.message.subject).toBe(
      'Quarantine alert: malware released by secadmin@contoso.com (1 message, 1 release)',
    );
    expect(header(alert, 'x-qrn-alert')).toBe('risky-type');
    expect(header(alert, 'x-qrn-network-message-ids')).toBe(malware.Identity.split('\\')[0].toLowerCase());
    expect(alert.message.body?.content).toContain('&lt;b&gt;Invoice&lt;/b&gt;');
    expect(alert.message.body?.content).not.toMatch(/https:\/\/evil/);
    // Nobody outside ALERT_RECIPIENTS hears of the malware; alice hears of her own message.
    expect(
      world.sim.sentMail.filter((m) =>
        m.message.toRecipients?.some((r) => r.emailAddress.address === 'payroll@evil.example'),
      ),
    ).toHaveLength(0);
    expect(world.log.text()).toMatch(
      /WARN quarantine alert \{"rule":"risky-type","account":"secadmin@contoso.com","releases":1/,
    );

    const before = world.sim.sentMail.length;
    world.sim.audit.publish([records[0]]); // the same record again, in a later blob
    await cycle();
    await cycle();
    expect(world.sim.sentMail.length).toBe(before);
  });

  it('a burst of 22 releases by one account within an hour is one alert, not twenty', async () => {
    const recipients = Array.from({ length: 22 }, (_, i) => `user${i}@fabrikam.example`);
    const row = quarantined(
      {
        SenderAddress: 'alice@contoso.com',
        RecipientAddress: recipients,
        Type: 'TransportRule',
        QuarantineTypes: 'TransportRule',
      },
      'outbound',
    );
    const records = recipients.flatMap((to, i) =>
      world.sim.tenant.quarantine.release(row.Identity, to, {
        by: 'bulk@contoso.com',
        at: new Date(Date.now() - 2 * HOUR + i * 60_000),
      }),
    );
    world.sim.audit.publish(records);
    await cycle();
    expect(alerts()).toHaveLength(1);
    expect(alerts()[0].message.subject).toBe(
      // One message released to 22 recipients: 22 releases of 1 message, not "22 messages".
      'Quarantine alert: 22 releases of 1 message by bulk@contoso.com within an hour (more than 20)',
    );
    expect(header(alerts()[0], 'x-qrn-alert')).toBe('burst');
  });

  it('no alert at all while ALERT_RECIPIENTS is empty', async () => {
    const malware = quarantined(
      {
        SenderAddress: 'x@evil.example',
        RecipientAddress: ['bob@contoso.com'],
        Type: 'Malware',
        QuarantineTypes: 'Malware',
        Direction: 'Inbound',
      },
      'inbound',
    );
    world.sim.audit.publish(
      world.sim.tenant.quarantine.release(malware.Identity, undefined, {
        by: 'secadmin@contoso.com',
        at: ago(2 * HOUR),
      }),
    );
    await cycle({});
    expect(alerts()).toHaveLength(0);
  });

  it("a crash at any step of detection and sending, then a rerun (or the queue's retry): the alert is sent exactly once", async () => {
    for (let crashAt = 1; crashAt <= 60; crashAt += 3) {
      await world.reset();
      const malware = quarantined(
        {
          SenderAddress: 'x@evil.example',
          RecipientAddress: ['bob@contoso.com'],
          Type: 'HighConfPhish',
          QuarantineTypes: 'HighConfPhish',
          Direction: 'Inbound',
        },
        'inbound',
      );
      world.sim.audit.publish(
        world.sim.tenant.quarantine.release(malware.Identity, undefined, {
          by: 'secadmin@contoso.com',
          at: ago(2 * HOUR),
        }),
      );
      const runtime = world.runtime(SOC);
      await runtime.snapshot();
      const plan = new CrashPlan(crashAt);
      const d = await runtime.detectionDeps();
      const s = await runtime.sendDeps();
      try {
        await detectReleases({
          ...d,
          stores: {
            ...d.stores,
            releases: plan.wrap(d.stores.releases),
            state: plan.wrap(d.stores.state),
            snapshot: plan.wrap(d.stores.snapshot),
          },
          queue: plan.wrap(d.queue),
        });
        const deps = {
          delivery: { ...s.delivery, ledger: plan.wrap(s.delivery.ledger), mailer: plan.wrap(s.delivery.mailer) },
          alertRecipients: ['soc@contoso.com'],
          timeZone: 'UTC',
        };
        await drainQueue(
          runtime.jobMessages,
          (job, id) => (isAlertJob(job) ? sendAlert(job, deps, id) : runtime.sendJob(job, id)),
          world.log,
          { retryAfterSeconds: 0 },
        );
      } catch (error) {
        if (!(error instanceof InjectedCrash)) throw error;
      }
      // The rerun finds whatever the crash left: claims go stale after 10 minutes, so look from then.
      const later = world.runtime(SOC);
      await later.detect();
      await later.drainNotifications({ retryAfterSeconds: 0 });
      expect({ crashAt, alerts: alerts().length }).toEqual({ crashAt, alerts: 1 });
    }
  }, 300_000);
});
