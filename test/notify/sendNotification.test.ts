import { SettingsError } from '../../shared/config/settings';
import { MemoryLogger } from '../../shared/log/logger';
import { NETWORK_MESSAGE_IDS_HEADER } from '../../shared/email/compose';
import { MalformedJobError } from '../../shared/jobs/notificationJob';
import type { DeliverDeps } from '../../shared/notify/deliver';
import { sendNotification, type SendDeps } from '../../shared/notify/sendNotification';
import {
  CountingPacer,
  ID_A,
  ID_B,
  job,
  MemoryLedger,
  MemoryMailer,
  MemoryScheduler,
  release,
  TEMPLATE,
  withDelivery,
} from './fakes';

function setup(overrides: Partial<DeliverDeps> = {}) {
  const ledger = new MemoryLedger();
  const mailer = new MemoryMailer(() => ledger.now);
  const pacing = new CountingPacer();
  const scheduler = new MemoryScheduler();
  const log = new MemoryLogger();
  const deps: SendDeps = {
    delivery: {
      ledger,
      mailer,
      limits: { pacing, dailyCap: undefined },
      scheduler,
      clock: { now: () => ledger.now },
      sender: { mailbox: 'notices@contoso.com', saveToSentItems: true, dryRun: false },
      log,
      ...overrides,
    },
    template: TEMPLATE,
  };
  return { ledger, mailer, pacing, scheduler, log, deps };
}

const header = (message: { internetMessageHeaders: Array<{ name: string; value: string }> }): string | undefined =>
  message.internetMessageHeaders.find((h) => h.name === NETWORK_MESSAGE_IDS_HEADER)?.value;

describe('sendNotification', () => {
  it('sends one email for a new job, paced, and records the release as told', async () => {
    const { ledger, mailer, pacing, deps } = setup();
    const outcome = await sendNotification(job(), deps, 'msg-1');
    expect(outcome).toEqual({
      jobId: job().jobId,
      sent: true,
      told: 1,
      confirmedSent: 0,
      alreadyTold: 0,
      ownedElsewhere: 0,
      deferredUntil: undefined,
      unknownOutcome: false,
      dryRun: false,
    });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0].from).toBe('notices@contoso.com');
    expect(mailer.sent[0].message.toRecipients[0].emailAddress.address).toBe('alice@contoso.com');
    expect(header(mailer.sent[0].message)).toBe(ID_A);
    expect(pacing.slots).toBe(1);
    expect(ledger.get(release())?.status).toBe('sent');
  });

  it('sends nothing the second time: the release was already told', async () => {
    const { mailer, log, deps } = setup();
    await sendNotification(job(), deps, 'msg-1');
    const again = await sendNotification(job(), deps, 'msg-2');
    expect(again).toMatchObject({ sent: false, told: 0, alreadyTold: 1 });
    expect(mailer.sent).toHaveLength(1);
    expect(log.text()).toMatch(/already told/);
  });

  it('drops a release another live delivery holds (a duplicate job in flight)', async () => {
    const { ledger, mailer, log, deps } = setup();
    ledger.set(release(), {
      jobId: job().jobId,
      deliveryId: 'msg-1',
      claimedAt: new Date(ledger.now.getTime() - 60_000),
    });
    const outcome = await sendNotification(job(), deps, 'msg-2');
    expect(outcome).toMatchObject({ sent: false, ownedElsewhere: 1 });
    expect(mailer.sent).toHaveLength(0);
    expect(log.text()).toMatch(/claimed by job .* still live/);
  });

  it('takes over a stale claim (its holder died more than 10 minutes ago) and sends', async () => {
    const { ledger, mailer, log, deps } = setup();
    ledger.set(release(), {
      jobId: 'dead-job',
      deliveryId: 'dead-msg',
      claimedAt: new Date(ledger.now.getTime() - 11 * 60_000),
    });
    const outcome = await sendNotification(job(), deps, 'msg-2');
    expect(outcome).toMatchObject({ sent: true, told: 1 });
    expect(mailer.sent).toHaveLength(1);
    expect(log.text()).toMatch(/WARN .*took over a stale claim of job dead-job/);
    expect(ledger.get(release())).toMatchObject({ status: 'sent', deliveryId: 'msg-2' });
  });

  it('a send that failed before anything went out gives its claim back, and the retry sends', async () => {
    const { ledger, mailer, deps } = setup();
    mailer.failWith = new Error('no token');
    await expect(sendNotification(job(), deps, 'msg-1')).rejects.toThrow('no token');
    expect(ledger.get(release())).toBeUndefined();
    mailer.failWith = undefined;
    expect(await sendNotification(job(), deps, 'msg-1')).toMatchObject({ sent: true, told: 1 });
    expect(mailer.sent).toHaveLength(1);
  });

  it('mails only the releases not yet told', async () => {
    const { ledger, mailer, deps } = setup();
    const told = release();
    const fresh = release({ networkMessageId: ID_B, subject: 'Other' });
    ledger.set(told, { status: 'sent', sentAt: ledger.now });
    const outcome = await sendNotification(job([told, fresh]), deps, 'msg-1');
    expect(outcome).toMatchObject({ sent: true, told: 1, alreadyTold: 1 });
    expect(header(mailer.sent[0].message)).toBe(ID_B);
  });

  it('claims a release listed twice in one job once', async () => {
    const { mailer, deps } = setup();
    expect(await sendNotification(job([release(), release()]), deps, 'msg-1')).toMatchObject({ sent: true, told: 1 });
    expect(mailer.sent).toHaveLength(1);
  });

  it('in a dry run logs recipient, subject and ids (no body), records the releases, and a later real run does not mail them', async () => {
    const { ledger, mailer, pacing, log, deps } = setup({
      sender: { mailbox: undefined, saveToSentItems: true, dryRun: true },
    });
    const outcome = await sendNotification(job(), deps, 'msg-1');
    expect(outcome).toMatchObject({ sent: false, told: 1, dryRun: true });
    expect(mailer.sent).toHaveLength(0);
    expect(pacing.slots).toBe(0);
    expect(log.text()).toMatch(/dry run: .* to alice@contoso\.com; .*"networkMessageIds":\["5b0f7c1e-/);
    expect(log.text()).not.toMatch(/<html|<p>/i);
    expect(ledger.get(release())).toMatchObject({ status: 'sent', dryRun: true });

    const real = await sendNotification(
      job(),
      withDelivery(deps, { sender: { ...deps.delivery.sender, dryRun: false, mailbox: 'notices@contoso.com' } }),
      'msg-2',
    );
    expect(real).toMatchObject({ sent: false, alreadyTold: 1 });
    expect(log.text()).toMatch(/already told .*by a dry run/);
  });

  it('does not rethrow when recording fails after the email went out (a retry would send it again)', async () => {
    const { ledger, mailer, log, deps } = setup();
    ledger.markSent = async () => {
      throw new Error('storage down');
    };
    expect(await sendNotification(job(), deps, 'msg-1')).toMatchObject({ sent: true });
    expect(mailer.sent).toHaveLength(1);
    expect(log.text()).toMatch(/ERROR .*sent, but recording .* failed: storage down/);
  });

  it('refuses to send for real without NOTIFY_SENDER_MAILBOX, before claiming anything', async () => {
    const { ledger, deps } = setup({ sender: { mailbox: undefined, saveToSentItems: true, dryRun: false } });
    await expect(sendNotification(job(), deps)).rejects.toThrow(SettingsError);
    expect(ledger.rows.size).toBe(0);
  });

  it('fails a malformed job before it takes any claim', async () => {
    const { ledger, deps } = setup();
    const bad = { ...job(), releases: [{ ...release(), networkMessageId: 'not-a-guid' }] };
    await expect(sendNotification(bad, deps)).rejects.toThrow(MalformedJobError);
    expect(ledger.rows.size).toBe(0);
  });
});
