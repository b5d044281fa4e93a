import { MemoryLogger } from '../../shared/log/logger';
import { sendWeeklyReport } from '../../shared/notify/sendReport';
import { CountingPacer, MemoryLedger, MemoryMailer, MemoryScheduler } from '../notify/fakes';

describe('the weekly report when its charts fail', () => {
  it('is sent with its tables, and the run summary says why the charts are missing', async () => {
    const ledger = new MemoryLedger();
    const mailer = new MemoryMailer(() => ledger.now);
    const log = new MemoryLogger();
    const summary = await sendWeeklyReport(
      {
        delivery: {
          ledger,
          mailer,
          limits: { pacing: new CountingPacer(), dailyCap: undefined },
          scheduler: new MemoryScheduler(),
          clock: { now: () => ledger.now },
          sender: { mailbox: 'notices@contoso.com', saveToSentItems: true, dryRun: false },
          log,
        },
        recipients: ['admins@contoso.com'],
        store: { readDays: async () => ({ activity: [], arrivals: [] }) },
        renderCharts: async () => {
          throw new Error('SVG data parsing failed cause invalid character');
        },
      },
      ledger.now,
    );
    expect(summary.delivery).toMatchObject({ sent: true });
    expect(summary.chartsFailed).toContain('SVG data parsing failed');
    expect(mailer.sent).toHaveLength(1);
  });
});
