import { alertJobsFor } from '../../shared/jobs/alertJob';
import { MemoryLogger } from '../../shared/log/logger';
import type { DailyCap } from '../../shared/notify/ports';
import { sendAlert } from '../../shared/notify/sendAlert';
import { sendNotification } from '../../shared/notify/sendNotification';
import { releaseEvent } from '../support/mothers';
import { CountingPacer, job, MemoryLedger, MemoryMailer, MemoryScheduler, TEMPLATE } from './fakes';

function delivery(cap: DailyCap) {
  const ledger = new MemoryLedger();
  return {
    ledger,
    mailer: new MemoryMailer(() => ledger.now),
    limits: { pacing: new CountingPacer(), dailyCap: cap },
    scheduler: new MemoryScheduler(),
    clock: { now: () => ledger.now },
    sender: { mailbox: 'notices@contoso.com', saveToSentItems: true, dryRun: false },
    log: new MemoryLogger(),
  };
}

describe('the daily cap counts recipients, not emails', () => {
  it('takes 50 for an alert to 50 ALERT_RECIPIENTS and 1 for a notice', async () => {
    const taken: number[] = [];
    const cap: DailyCap = {
      take: async (_mailbox, n) => {
        taken.push(n);
        return { ok: true };
      },
    };
    const alertRecipients = Array.from({ length: 50 }, (_, i) => `soc${i}@contoso.com`);
    const [alert] = alertJobsFor([
      {
        rule: 'risky-type',
        key: 'k',
        account: 'admin@contoso.com',
        releases: [
          {
            release: releaseEvent({
              releasedTo: '',
              releasedBy: 'admin@contoso.com',
              releasedAt: new Date('2026-08-21T10:00:00Z'),
            }),
            message: undefined,
          },
        ],
      },
    ]);
    await sendAlert(alert, { delivery: delivery(cap), alertRecipients, timeZone: 'UTC' });
    await sendNotification(job(), { delivery: delivery(cap), template: TEMPLATE });
    expect(taken).toEqual([50, 1]);
  });
});
