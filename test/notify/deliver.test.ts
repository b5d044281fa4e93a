import { encodeJob, parseJob } from '../../shared/jobs/notificationJob';
/**
 * The sending machinery (notify/deliver.ts) over in-memory ports: each class of Graph answer has one
 * rule, an unknown answer is settled through Sent Items before anything is sent again, and a worker
 * killed at any step leaves rows the next deliveries read the same way: each release told once.
 */
import { NETWORK_MESSAGE_IDS_HEADER } from '../../shared/email/compose';
import type { GraphMessage } from '../../shared/graph/graphMessage';
import { RetryableError } from '../../shared/http/retry';
import { failureAction } from '../../shared/jobs/delivery';
import type { NotificationJob } from '../../shared/jobs/notificationJob';
import { MemoryLogger } from '../../shared/log/logger';
import { SENT_ITEMS_SETTLE_MS } from '../../shared/notify/claim';
import { deliver, RefusedSendError } from '../../shared/notify/deliver';
import type { DailyCap, Mailer, NotificationLedger, SendPacer } from '../../shared/notify/ports';
import { PaceTimeoutError } from '../../shared/notify/pacing';
import type { DeliverDeps } from '../../shared/notify/deliver';
import { sendNotification, type SendDeps } from '../../shared/notify/sendNotification';
import {
  CountingPacer,
  ID_A,
  ID_B,
  ID_C,
  job,
  MemoryLedger,
  MemoryMailer,
  MemoryScheduler,
  release,
  TEMPLATE,
  withDelivery,
} from './fakes';

const MINUTE = 60_000;

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
  const advance = (ms: number): void => {
    ledger.now = new Date(ledger.now.getTime() + ms);
  };
  return { ledger, mailer, pacing, scheduler, log, deps, advance };
}

/** How many emails Graph took for each NetworkMessageId: exactly once means all 1. */
function toldCounts(sent: ReadonlyArray<{ message: GraphMessage }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of sent) {
    const ids = s.message.internetMessageHeaders.find((h) => h.name === NETWORK_MESSAGE_IDS_HEADER)?.value ?? '';
    for (const id of ids.split(',').filter(Boolean)) counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

describe('deliver: what each answer of Graph means', () => {
  it('accepted (any 2xx): told once, recorded, and never sent again', async () => {
    const { ledger, mailer, scheduler, deps } = setup();
    const outcome = await sendNotification(job(), deps, 'msg-1');
    expect(outcome).toMatchObject({ sent: true, told: 1, unknownOutcome: false, deferredUntil: undefined });
    expect(ledger.get(release())).toMatchObject({ status: 'sent', toldBy: 'accepted' });
    expect(await sendNotification(job(), deps, 'msg-1')).toMatchObject({ sent: false, alreadyTold: 1 });
    expect(await sendNotification(job(), deps, 'msg-2')).toMatchObject({ sent: false, alreadyTold: 1 });
    expect(mailer.sent).toHaveLength(1);
    // The marker rides on the email, so Sent Items can find it again.
    expect(mailer.sent[0].marker).toMatch(/^qrn-[0-9a-f]{40}$/);
    expect(scheduler.scheduled).toEqual([]);
  });

  it('refused with 429: the claims are given back and the queue retries after Retry-After', async () => {
    const { ledger, mailer, deps } = setup();
    const throttling: Mailer = {
      send: async () => ({ outcome: 'refused', status: 429, reason: 'HTTP 429 throttled', retryAfterMs: 7_000 }),
      findSent: (from, marker) => mailer.findSent(from, marker),
    };
    const error = await sendNotification(job(), withDelivery(deps, { mailer: throttling }), 'msg-1').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).retryAfterMs).toBe(7_000);
    expect(failureAction(error, 1)).toBe('retry');
    expect(ledger.get(release())).toBeUndefined();
    // Another delivery may take it at once: nothing holds it.
    expect(await sendNotification(job(), deps, 'msg-2')).toMatchObject({ sent: true, told: 1 });
    expect(mailer.sent).toHaveLength(1);
  });

  it.each([400, 403, 404, 413])(
    'refused with %i: poisoned at once with the reason, claims given back',
    async (status) => {
      const { ledger, mailer, deps } = setup();
      mailer.script.push({ kind: 'refuse', status });
      const error = await sendNotification(job([release(), release({ networkMessageId: ID_B })]), deps, 'msg-1').catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RefusedSendError);
      expect((error as RefusedSendError).status).toBe(status);
      expect(failureAction(error, 1)).toBe('poisonNow');
      expect(ledger.get(release())).toBeUndefined();
      expect(ledger.get(release({ networkMessageId: ID_B }))).toBeUndefined();
      expect(mailer.sent).toHaveLength(0);
    },
  );

  it('unknown, and Graph did send: rows unknown, scheduled again, and the next look finds it in Sent Items', async () => {
    const { ledger, mailer, scheduler, log, deps, advance } = setup();
    mailer.script.push({ kind: 'acceptThenUnknown' });
    const first = await sendNotification(job(), deps, 'msg-1');
    expect(first).toMatchObject({ sent: false, told: 0, unknownOutcome: true });
    expect(ledger.get(release())).toMatchObject({ status: 'unknown', marker: mailer.sent[0].marker });
    expect(scheduler.scheduled).toEqual([{ jobText: encodeJob(job()), delayMs: 2 * MINUTE }]);
    expect(log.text()).toMatch(/answer to the send is unknown.*Sent Items decides before any resend/);

    // The scheduled job is a new queue message: another delivery, 2 minutes on (the copy shows after 10 s).
    advance(2 * MINUTE);
    const second = await sendNotification(job(), deps, 'msg-2');
    expect(second).toMatchObject({ sent: false, told: 1, confirmedSent: 1, deferredUntil: undefined });
    expect(ledger.get(release())).toMatchObject({ status: 'sent', toldBy: 'sent-items' });
    expect(mailer.sent).toHaveLength(1);
    expect(scheduler.scheduled).toHaveLength(1);
  });

  it('unknown, and Graph did not send: not found at 2, 5 and 10 minutes, sent again once at 20', async () => {
    const { ledger, mailer, scheduler, deps, advance } = setup();
    mailer.script.push({ kind: 'unknownNotSent' });
    const attemptAt = ledger.now.getTime();
    await sendNotification(job(), deps, 'msg-1');
    expect(mailer.sent).toHaveLength(0);
    const looks: Array<{ at: number; sent: boolean; deferredUntil: string | undefined }> = [];
    for (let i = 0; i < 6 && scheduler.scheduled.length > looks.length; i++) {
      advance(scheduler.scheduled[scheduler.scheduled.length - 1].delayMs);
      const outcome = await sendNotification(job(), deps, `scheduled-${i}`);
      looks.push({
        at: (ledger.now.getTime() - attemptAt) / MINUTE,
        sent: outcome.sent,
        deferredUntil: outcome.deferredUntil,
      });
    }
    expect(looks.map((l) => [l.at, l.sent])).toEqual([
      [2, false],
      [5, false],
      [10, false],
      [20, true],
    ]);
    expect(scheduler.scheduled.map((s) => s.delayMs / MINUTE)).toEqual([2, 3, 5, 10]);
    expect(mailer.lookups).toBe(4);
    expect(mailer.sent).toHaveLength(1);
    expect(ledger.get(release())?.status).toBe('sent');
    expect(SENT_ITEMS_SETTLE_MS).toBe(20 * MINUTE);
  });

  it('a duplicate delivery meeting a row another delivery is sending waits for Sent Items instead of dropping it', async () => {
    // The holder failed after markSending and was retried; its job came back as a new message.
    const { ledger, mailer, scheduler, deps, advance } = setup();
    ledger.set(release(), {
      status: 'sending',
      jobId: job().jobId,
      deliveryId: 'msg-1',
      attemptAt: ledger.now,
      marker: 'qrn-earlier',
    });
    advance(30_000);
    const outcome = await sendNotification(job(), deps, 'msg-2');
    expect(outcome).toMatchObject({ sent: false, ownedElsewhere: 0 });
    expect(outcome.deferredUntil).toBe(new Date(ledger.now.getTime() + 90_000).toISOString());
    // Nobody else would come back for it, so this job must: at 20 minutes it is sent.
    advance(20 * MINUTE);
    expect(await sendNotification(job(), deps, 'msg-3')).toMatchObject({ sent: true, told: 1 });
    expect(mailer.sent).toHaveLength(1);
    expect(scheduler.scheduled).toHaveLength(1);
  });
});

/** A worker that dies at its n-th port call: that call and every later one throw, clean-up included. */
class Dying {
  calls = 0;
  dead = false;
  crashedIn: string | undefined;
  constructor(
    private readonly crashAt: number,
    private readonly acceptThenDie: boolean,
  ) {}

  private step(where: string): void {
    this.calls++;
    if (this.dead || this.calls === this.crashAt) {
      this.crashedIn ??= where;
      this.dead = true;
      throw new Error(`worker died in ${where}`);
    }
  }

  ledger(inner: NotificationLedger): NotificationLedger {
    const wrap =
      <A extends unknown[], R>(name: string, f: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        this.step(`ledger.${name}`);
        return f(...args);
      };
    return {
      claim: wrap('claim', (k, o) => inner.claim(k, o)),
      takeOver: wrap('takeOver', (k, o, e) => inner.takeOver(k, o, e)),
      markSending: wrap('markSending', (k, o, e, m) => inner.markSending(k, o, e, m)),
      markUnknown: wrap('markUnknown', (k, o, e, m, a) => inner.markUnknown(k, o, e, m, a)),
      markSent: wrap('markSent', (k, o, e, b, m) => inner.markSent(k, o, e, b, m)),
      release: wrap('release', (k, e) => inner.release(k, e)),
    };
  }

  mailer(inner: Mailer): Mailer {
    return {
      send: async (from, email, options) => {
        if (this.acceptThenDie && !this.dead && this.calls + 1 === this.crashAt) {
          // Inside the call: Graph took the mail, the worker died before reading the 202.
          await inner.send(from, email, options);
        }
        this.step('mailer.send');
        return inner.send(from, email, options);
      },
      findSent: async (from, marker) => {
        this.step('mailer.findSent');
        return inner.findSent(from, marker);
      },
    };
  }

  pacer(inner: SendPacer): SendPacer {
    return {
      run: async (mailbox, send) => {
        this.step('pacer.run');
        return inner.run(mailbox, send);
      },
    };
  }
}

describe('deliver: a worker killed at any step, then a duplicate and a retry of the same delivery', () => {
  const theJob: NotificationJob = job([
    release(),
    release({ networkMessageId: ID_B }),
    release({ networkMessageId: ID_C, releasedTo: 'carol@fabrikam.example' }),
  ]);
  // Another job sharing one release (a later detection run), delivered alongside.
  const otherJob: NotificationJob = job([release({ networkMessageId: ID_B })]);

  /** Delivers until the queue is empty: scheduled jobs at their time, each as a new message. */
  async function settle(ctx: ReturnType<typeof setup>, first: Array<[NotificationJob, string]>): Promise<void> {
    const pending = first.map(([j, id]) => ({ text: JSON.stringify(j), id }));
    let n = 0;
    while (pending.length > 0 && n++ < 20) {
      const next = pending.shift() as { text: string; id: string };
      const before = ctx.scheduler.scheduled.length;
      await sendNotification(parseJob(next.text), ctx.deps, next.id);
      for (const s of ctx.scheduler.scheduled.slice(before)) pending.push({ text: s.jobText, id: `scheduled-${n}` });
      if (pending.length > 0 && ctx.scheduler.scheduled.length > before)
        ctx.advance(ctx.scheduler.scheduled[ctx.scheduler.scheduled.length - 1].delayMs);
    }
    expect(pending).toEqual([]);
  }

  async function crashThenRedeliver(crashAt: number, acceptThenDie: boolean) {
    const ctx = setup();
    const dying = new Dying(crashAt, acceptThenDie);
    const doomed = withDelivery(ctx.deps, {
      ledger: dying.ledger(ctx.ledger),
      mailer: dying.mailer(ctx.mailer),
      limits: { ...ctx.deps.delivery.limits, pacing: dying.pacer(ctx.pacing) },
    });
    // What the dead worker returns is never seen (after markSent fails it even returns normally): its message is not deleted.
    await sendNotification(theJob, doomed, 'msg-1').catch(() => undefined);
    expect(dying.dead).toBe(true);
    const sentByTheDead = ctx.mailer.sent.length;
    // A duplicate of the message right away, while the dead worker's rows are fresh, and another job sharing a release.
    ctx.advance(MINUTE);
    await settle(ctx, [
      [theJob, 'msg-2'],
      [otherJob, 'msg-3'],
    ]);
    // The dead worker's message comes back when its lease ends: a retry of the same delivery.
    ctx.advance(10 * MINUTE);
    await settle(ctx, [[theJob, 'msg-1']]);
    ctx.advance(30 * MINUTE);
    await settle(ctx, [
      [theJob, 'msg-1'],
      [theJob, 'msg-4'],
    ]);
    for (const id of [ID_A, ID_B, ID_C])
      expect(
        ctx.ledger.get(
          release({ networkMessageId: id, ...(id === ID_C ? { releasedTo: 'carol@fabrikam.example' } : {}) }),
        )?.status,
      ).toBe('sent');
    return { crashedIn: dying.crashedIn, sentByTheDead, told: toldCounts(ctx.mailer.sent) };
  }

  // A clean run of the job makes 11 port calls: 3 claims, the pace slot, 3 markSending, the send, 3 markSent.
  it.each(Array.from({ length: 11 }, (_, i) => i + 1))(
    'killed at port call %i: each release told exactly once',
    async (crashAt) => {
      const result = await crashThenRedeliver(crashAt, false);
      expect(result.told).toEqual({ [ID_A]: 1, [ID_B]: 1, [ID_C]: 1 });
    },
  );

  it('killed inside the send after Graph took the mail (the 202 never read): told once, found in Sent Items', async () => {
    const result = await crashThenRedeliver(8, true);
    expect(result).toEqual({ crashedIn: 'mailer.send', sentByTheDead: 1, told: { [ID_A]: 1, [ID_B]: 1, [ID_C]: 1 } });
  });

  it('killed after Graph accepted, before the ledger recorded it: told once', async () => {
    const result = await crashThenRedeliver(9, false);
    expect(result).toEqual({
      crashedIn: 'ledger.markSent',
      sentByTheDead: 1,
      told: { [ID_A]: 1, [ID_B]: 1, [ID_C]: 1 },
    });
  });
});

describe('deliver: without Sent Items, unknown answers fall back to at-least-once', () => {
  it.each([
    ['Sent Items unreadable (no Mail.Read)', true, 'cannot read the Sent Items of mailbox-a@contoso.com'],
    ['NOTIFY_SAVE_TO_SENT_ITEMS=false', false, 'NOTIFY_SAVE_TO_SENT_ITEMS is false'],
  ])('%s: the send is repeated without looking, and the fallback is logged once', async (_name, save, why) => {
    const mailbox = save ? 'mailbox-a@contoso.com' : 'mailbox-b@contoso.com';
    const { mailer, log, deps, advance } = setup({ sender: { mailbox, saveToSentItems: save, dryRun: false } });
    mailer.sentItemsReadable = false;
    for (const id of [ID_A, ID_B]) {
      const j = job([release({ networkMessageId: id })]);
      mailer.script.push({ kind: 'acceptThenUnknown' });
      await sendNotification(j, deps, `msg-${id}`);
      advance(2 * MINUTE);
      expect(await sendNotification(j, deps, `later-${id}`)).toMatchObject({ sent: true });
    }
    // Both went out twice: that is what at-least-once costs, and why Mail.Read is asked for.
    expect(toldCounts(mailer.sent)).toEqual({ [ID_A]: 2, [ID_B]: 2 });
    const warnings = log.lines.filter((l) => l.includes('at-least-once'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(why);
    // Without saveToSentItems, Sent Items is not even asked.
    if (!save) expect(mailer.lookups).toBe(0);
  });
});

describe('deliver: the daily cap', () => {
  it('defers a job to the next day when the cap is reached, gives the claims back, and sends it then', async () => {
    const { ledger, mailer, scheduler, deps, advance } = setup();
    const taken: string[] = [];
    const cap: DailyCap = {
      take: async (_mailbox, _n, now) => {
        const day = now.toISOString().slice(0, 10);
        if (day === '2026-08-21') return { ok: false, retryAt: new Date('2026-08-22T00:03:00Z') };
        taken.push(day);
        return { ok: true };
      },
    };
    const first = await sendNotification(
      job(),
      withDelivery(deps, { limits: { ...deps.delivery.limits, dailyCap: cap } }),
      'msg-1',
    );
    expect(first).toMatchObject({ sent: false, deferredUntil: '2026-08-22T00:03:00.000Z' });
    expect(ledger.get(release())).toBeUndefined();
    expect(scheduler.scheduled[0].delayMs).toBe(
      Date.parse('2026-08-22T00:03:00Z') - Date.parse('2026-08-21T10:00:00Z'),
    );
    advance(scheduler.scheduled[0].delayMs);
    expect(
      await sendNotification(
        job(),
        withDelivery(deps, { limits: { ...deps.delivery.limits, dailyCap: cap } }),
        'msg-2',
      ),
    ).toMatchObject({ sent: true, told: 1 });
    expect(taken).toEqual(['2026-08-22']);
    expect(mailer.sent).toHaveLength(1);
  });
});

describe('deliver: one machinery for every kind of email', () => {
  it('delivers an alert with its own ledger scope exactly once', async () => {
    const { mailer, deps } = setup();
    const alert = {
      kind: 'alert',
      jobId: 'alert-1',
      deliveryId: 'msg-1',
      jobText: '{"alert":1}',
      items: [{ key: { scope: 'alert:rule-7', item: '2026-08-21' }, value: 'rule 7' }],
      compose: (values: readonly string[]) => ({
        to: 'admin@contoso.com',
        subject: `Alert: ${values.join(', ')}`,
        html: '<p>x</p>',
        text: 'x',
        headers: [],
      }),
      describe: () => ({}),
    };
    expect(await deliver(alert, deps.delivery)).toMatchObject({ sent: true, told: 1 });
    expect(await deliver({ ...alert, deliveryId: 'msg-2' }, deps.delivery)).toMatchObject({
      sent: false,
      alreadyTold: 1,
    });
    expect(mailer.sent.map((s) => s.message.subject)).toEqual(['Alert: rule 7']);
  });
});

describe("deliver: the mailbox's pace", () => {
  it('a slot too far off for the invocation: the claims go back and the job waits in the queue until about then, then is sent', async () => {
    const { ledger, mailer, scheduler, deps, advance } = setup();
    let busy = true;
    // The mailbox's next free slot is 40 s away: more than one invocation waits, holding a host slot.
    const farPacer: SendPacer = {
      run: async (mailbox, send) => {
        if (busy) throw new PaceTimeoutError(mailbox, 30, 40_000);
        return send();
      },
    };
    const paced = withDelivery(deps, { limits: { pacing: farPacer, dailyCap: undefined } });
    expect(await sendNotification(job(), paced, 'msg-1')).toMatchObject({ sent: false, told: 0 });
    expect(mailer.sent).toHaveLength(0);
    expect(ledger.get(release())).toBeUndefined();
    expect(scheduler.scheduled).toEqual([{ jobText: encodeJob(job()), delayMs: 40_000 }]);
    busy = false;
    advance(40_000);
    expect(await sendNotification(job(), paced, 'msg-2')).toMatchObject({ sent: true, told: 1 });
    expect(mailer.sent).toHaveLength(1);
  });
});
