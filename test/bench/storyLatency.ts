/**
 * The listing as a second source of releases (issue 22): how long from the quarantine listing first
 * showing a release to the notice reaching Graph, when the audit record is published 60 minutes
 * after the release, with RELEASE_AUDIT_WAIT_MINUTES=0 and with the default (90), and when the audit
 * record never comes. The product's own code runs against Azurite and the simulator (both in this
 * process) on a virtual clock: the timers fire at their default schedules (snapshot every 15
 * minutes, detection every 10, the queue drained after each detection), and the audit blob is
 * created (contentCreated) 60 minutes after the release, so detection lists it only from then.
 */
import { Runtime } from '../../shared/app/runtime';
import { loadSettings } from '../../shared/config/settings';
import { silentLogger } from '../../shared/log/logger';
import { M365Simulator } from '../../simulator';
import { startAzurite } from '../../simulator/azurite';
import { quarantineRow } from '../../simulator/fixtures';

const MINUTE = 60_000;

export interface StoryLatencyCase {
  wait: number;
  audit: 'late-60-min' | 'never';
  /** Minutes from the first snapshot that listed the release to the notice accepted by Graph. */
  minutesFromListing: number | undefined;
  minutesFromRelease: number | undefined;
  /** Who the notice named: the audit record's account, or "an administrator". */
  releaserNamed: boolean | undefined;
  notices: number;
}

async function oneCase(wait: number, audit: StoryLatencyCase['audit']): Promise<StoryLatencyCase> {
  const [azurite, sim] = await Promise.all([startAzurite(), M365Simulator.start()]);
  try {
    Object.assign(process.env, sim.settings());
    const env = {
      ...sim.settings(),
      AzureWebJobsStorage: azurite.connectionString,
      NOTIFY_SENDER_MAILBOX: 'quarantine-notices@contoso.com',
      RELEASE_AUDIT_WAIT_MINUTES: String(wait),
    };
    const rt = new Runtime(loadSettings(env), silentLogger);
    // Virtual time starts now and runs ahead: the feed refuses windows starting more than 7 days back,
    // and detection's first run sweeps 7 days before its clock.
    const base = Math.floor(Date.now() / MINUTE) * MINUTE;
    const row = quarantineRow({
      receivedAt: new Date(base - 10 * MINUTE),
      SenderAddress: 'alice@contoso.com',
      RecipientAddress: ['bob@fabrikam.example'],
    });
    sim.tenant.quarantine.add(row);
    const releaseAt = base + 7 * MINUTE;
    let released = false;
    let listedAt: number | undefined;
    let toldAt: number | undefined;
    for (let t = base; t <= base + 150 * MINUTE && toldAt === undefined; t += 5 * MINUTE) {
      const now = (): Date => new Date(t);
      if (!released && t >= releaseAt) {
        const records = sim.tenant.quarantine.release(row.Identity, undefined, {
          by: 'secadmin@contoso.com',
          at: new Date(releaseAt),
        });
        // The listing does not always name the releasing account (reference, section 7): assume it does not.
        const listed = sim.tenant.quarantine.find(row.Identity);
        if (listed) listed.ReleasedBy = [];
        if (audit === 'late-60-min') sim.audit.publish(records, { contentCreated: new Date(releaseAt + 60 * MINUTE) });
        released = true;
      }
      if ((t - base) % (15 * MINUTE) === 0) {
        const summary = await rt.snapshot({ now });
        if (released && listedAt === undefined && (summary.listing?.releasedRows ?? 0) > 0) listedAt = t;
      }
      if ((t - base) % (10 * MINUTE) === 0) {
        await rt.detect({ now });
        await rt.drainNotifications();
        if (sim.sentMail.length > 0) toldAt = t;
      }
    }
    const notice = sim.sentMail[0] ? JSON.stringify(sim.sentMail[0].message) : undefined;
    return {
      wait,
      audit,
      minutesFromListing: toldAt !== undefined && listedAt !== undefined ? (toldAt - listedAt) / MINUTE : undefined,
      minutesFromRelease: toldAt !== undefined ? (toldAt - releaseAt) / MINUTE : undefined,
      releaserNamed: notice === undefined ? undefined : notice.includes('secadmin'),
      notices: sim.sentMail.length,
    };
  } finally {
    await Promise.all([sim.stop(), azurite.stop()]);
  }
}

export async function storyLatency(options: { say: (line?: string) => void }): Promise<StoryLatencyCase[]> {
  const { say } = options;
  say('== 6. Releases seen in the quarantine listing: time to the notice (virtual clock, default schedules) ==');
  const cases: StoryLatencyCase[] = [];
  for (const [wait, audit] of [
    [0, 'late-60-min'],
    [90, 'late-60-min'],
    [0, 'never'],
    [90, 'never'],
  ] as const) {
    const result = await oneCase(wait, audit);
    cases.push(result);
    say(
      `RELEASE_AUDIT_WAIT_MINUTES=${wait}, audit record ${audit === 'never' ? 'never published' : 'published 60 min after the release'}: ` +
        `told ${result.minutesFromListing ?? '-'} min after the listing first showed it (${result.minutesFromRelease ?? '-'} min after the release), ` +
        `${result.releaserNamed ? 'naming the releasing account' : 'as "an administrator"'}; ${result.notices} notice(s)`,
    );
  }
  say();
  return cases;
}
