/**
 * An email that cannot be composed from its job cannot be composed on a retry either: the job fails
 * for good (PermanentJobError), so the queue poisons it at once with the reason instead of retrying it
 * five times, and it holds no claim that would keep its releases from a later, fixed delivery.
 */
import type { ComposedEmail } from '../../shared/email/compose';
import { failureAction, PermanentJobError } from '../../shared/jobs/delivery';
import { MemoryLogger } from '../../shared/log/logger';
import { deliver, type DeliverDeps, type Delivery } from '../../shared/notify/deliver';
import { CountingPacer, MemoryLedger, MemoryMailer, MemoryScheduler } from './fakes';

function setup() {
  const ledger = new MemoryLedger();
  const mailer = new MemoryMailer(() => ledger.now);
  const deps: DeliverDeps = {
    ledger,
    mailer,
    limits: { pacing: new CountingPacer(), dailyCap: undefined },
    scheduler: new MemoryScheduler(),
    clock: { now: () => ledger.now },
    sender: { mailbox: 'notices@contoso.com', saveToSentItems: true, dryRun: false },
    log: new MemoryLogger(),
  };
  return { ledger, mailer, deps };
}

const EMAIL: ComposedEmail = { to: 'alice@contoso.com', subject: 'Released', html: '<p>x</p>', text: 'x', headers: [] };

function delivery(compose: (values: readonly string[]) => ComposedEmail, deliveryId = 'msg-1'): Delivery<string> {
  return {
    kind: 'notice',
    jobId: 'job-1',
    deliveryId,
    jobText: '{"job":1}',
    items: [{ key: { scope: 'nmid-1', item: 'bob@fabrikam.example' }, value: 'release 1' }],
    compose,
    describe: () => ({}),
  };
}

describe('a job whose email cannot be composed', () => {
  it('fails for good with the reason, is poisoned at once, and sends nothing', async () => {
    const { mailer, ledger, deps } = setup();
    const failing = delivery(() => {
      throw new RangeError('Invalid time value');
    });

    const error = await deliver(failing, deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentJobError);
    expect((error as Error).message).toContain('could not be composed: Invalid time value');
    expect(failureAction(error, 1)).toBe('poisonNow');
    expect(mailer.sent).toHaveLength(0);
    expect(ledger.rows.size).toBe(0);
  });

  it('failing only at the send gives its claims back, so a fixed delivery still tells the release once', async () => {
    const { mailer, deps } = setup();
    let calls = 0;
    const flaky = delivery(() => {
      calls++;
      if (calls === 2) throw new Error('template blew up');
      return EMAIL;
    });

    await expect(deliver(flaky, deps)).rejects.toBeInstanceOf(PermanentJobError);
    expect(mailer.sent).toHaveLength(0);

    expect(
      await deliver(
        delivery(() => EMAIL, 'msg-2'),
        deps,
      ),
    ).toMatchObject({ sent: true, told: 1 });
    expect(mailer.sent).toHaveLength(1);
  });
});
