/**
 * The world a soak schedule runs in: Graph, Sent Items, the ledger table, the pacer and the job
 * scheduler as in-memory ports with ETag semantics, every call of which can fail the way the real
 * service does, and a simulated clock. Each port call is also a point where another delivery in
 * flight may run first (see Gates), so duplicate deliveries really overlap.
 *
 * A crash is a process dying: after it, the delivery makes no call at all (not even its catch
 * blocks' clean-up), exactly like a killed Functions worker. A delivery also dies when it outlives
 * the Functions timeout (10 minutes), wherever it is.
 */
import type { ComposedEmail } from '../../shared/email/compose';
import { NETWORK_MESSAGE_IDS_HEADER } from '../../shared/email/compose';
import { RetryableError } from '../../shared/http/retry';
import type {
  ClaimOwner,
  ClaimResult,
  JobScheduler,
  LedgerKey,
  Mailer,
  NotificationLedger,
  SendAnswer,
  SendPacer,
  SentLookup,
  ToldBy,
} from '../../shared/notify/ports';
import { InjectedCrash } from '../support/crash';
import { MemoryLedger } from '../notify/fakes';

/** mulberry32: small, fast and the same on every machine, so a seed replays a schedule exactly. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

export const MINUTE = 60_000;
/** host.json functionTimeout: a worker still running then is killed. */
export const FUNCTION_TIMEOUT_MS = 10 * MINUTE;

/** How hostile one schedule is. Faults happen only before `stormEndsAt`; after it the services heal. */
export interface FaultPlan {
  stormEndsAt: number;
  /** Per ledger call: a 503 before the write, or after it (the write happened, the answer was lost). */
  ledger: number;
  /** Per send: one of Graph's bad answers (drawn in `Graph.send`). */
  graph: number;
  /** Per Sent Items lookup: a failed or timed-out lookup. */
  lookup: number;
  /** Per port call: the process dies there. */
  crash: number;
  /** Per scheduler call, pace slot and queue delete. */
  queue: number;
  /** Each Sent Items copy appears up to this long after Graph accepted the mail. */
  sentItemsDelayMaxMs: number;
  /** Whether the app may read the sender mailbox (Application Mail.Read). */
  readAccess: boolean;
}

export interface Counters {
  faults: number;
  crashes: number;
  sends: number;
  unknownAnswers: number;
  lookups: number;
  scheduledAgain: number;
}

/** One delivery in flight (one queue message received by one worker). */
export interface Task {
  id: number;
  deliveryId: string;
  deadline: number;
  dead: boolean;
  /** Set while the task waits at a gate: the driver calls it to let the task make its next port call. */
  resume: (() => void) | undefined;
  done: boolean;
}

export class StorageFault extends Error {
  constructor(
    readonly statusCode: number,
    where: string,
  ) {
    super(`injected HTTP ${statusCode} from ${where}`);
    this.name = 'StorageFault';
  }
}

/** An email Graph accepted: the mail is out, whatever the client heard. */
export interface AcceptedMail {
  marker: string;
  networkMessageIds: string[];
  acceptedAt: number;
  /** When its copy shows in Sent Items (never, when saveToSentItems was false). */
  visibleAt: number;
}

export interface ScheduledMessage {
  text: string;
  visibleAt: number;
}

/** The shared state of one schedule and the fault decisions; ports are per task views of it. */
export class World {
  readonly ledger = new MemoryLedger();
  readonly mails: AcceptedMail[] = [];
  /** Messages the product scheduled again; the driver moves them into its queue. */
  readonly scheduled: ScheduledMessage[] = [];
  readonly counters: Counters = { faults: 0, crashes: 0, sends: 0, unknownAnswers: 0, lookups: 0, scheduledAgain: 0 };
  private calls = 0;

  constructor(
    readonly rng: Rng,
    readonly faults: FaultPlan,
    public now: number,
  ) {}

  storm(): boolean {
    return this.now < this.faults.stormEndsAt;
  }

  /** Draws a fault with probability p, during the storm only. */
  fault(p: number): boolean {
    if (!this.storm() || !this.rng.chance(p)) return false;
    this.counters.faults++;
    return true;
  }

  die(task: Task): never {
    if (!task.dead) this.counters.crashes++;
    task.dead = true;
    throw new InjectedCrash(++this.calls);
  }

  /** Every port call starts here: another task may go first; the clock moves; the process may die. */
  async enter(task: Task): Promise<void> {
    if (task.dead) this.die(task);
    await new Promise<void>((resolve) => {
      task.resume = resolve;
    });
    this.alive(task);
    this.now += this.rng.int(0, 2_000);
    this.ledger.now = new Date(this.now);
    if (this.storm() && this.rng.chance(this.faults.crash)) this.die(task);
  }

  /** After a call that took time: a worker past the Functions timeout never sees the answer. */
  alive(task: Task): void {
    if (task.dead || this.now >= task.deadline) this.die(task);
  }

  /** The ledger, each call possibly failing before or after its write. */
  ledgerFor(task: Task): NotificationLedger {
    const call = async <R>(where: string, op: () => Promise<R>): Promise<R> => {
      await this.enter(task);
      if (this.fault(this.faults.ledger)) throw new StorageFault(503, where);
      const result = await op();
      // The write happened but its answer was lost (or the process died right after it).
      if (this.fault(this.faults.ledger / 2)) throw new StorageFault(503, `${where} (after the write)`);
      if (this.storm() && this.rng.chance(this.faults.crash / 2)) this.die(task);
      return result;
    };
    const ledger = this.ledger;
    return {
      claim: (key: LedgerKey, owner: ClaimOwner): Promise<ClaimResult> => call('claim', () => ledger.claim(key, owner)),
      takeOver: (key: LedgerKey, owner: ClaimOwner, etag: string) =>
        call('takeOver', () => ledger.takeOver(key, owner, etag)),
      markSending: (key: LedgerKey, owner: ClaimOwner, etag: string, marker: string) =>
        call('markSending', () => ledger.markSending(key, owner, etag, marker)),
      markUnknown: (key: LedgerKey, owner: ClaimOwner, etag: string, marker: string, attemptAt: Date) =>
        call('markUnknown', () => ledger.markUnknown(key, owner, etag, marker, attemptAt)),
      markSent: (key: LedgerKey, owner: ClaimOwner, etag: string, by: ToldBy, marker?: string) =>
        call('markSent', () => ledger.markSent(key, owner, etag, by, marker)),
      release: (key: LedgerKey, etag: string) => call('release', () => ledger.release(key, etag)),
    };
  }

  /**
   * Graph: sendMail with every answer class Graph is observed to give, and the Sent Items lookup.
   * Whether the mail went out is decided here, apart from what the client is told.
   */
  mailerFor(task: Task, saveToSentItems: boolean): Mailer {
    return {
      send: (_from, email, options) => this.send(task, email, options.marker, saveToSentItems),
      findSent: (_from, marker) => this.findSent(task, marker),
    };
  }

  private accept(email: ComposedEmail, marker: string, at: number, saveToSentItems: boolean): void {
    this.counters.sends++;
    const header = email.headers.find((h) => h.name === NETWORK_MESSAGE_IDS_HEADER)?.value ?? '';
    this.mails.push({
      marker,
      networkMessageIds: header.split(',').filter(Boolean),
      acceptedAt: at,
      visibleAt: saveToSentItems ? at + this.rng.int(0, this.faults.sentItemsDelayMaxMs) : Number.POSITIVE_INFINITY,
    });
  }

  private unknown(reason: string): SendAnswer {
    this.counters.unknownAnswers++;
    return { outcome: 'unknown', reason };
  }

  private async send(task: Task, email: ComposedEmail, marker: string, save: boolean): Promise<SendAnswer> {
    await this.enter(task);
    if (!this.fault(this.faults.graph)) {
      this.accept(email, marker, this.now, save);
      return { outcome: 'accepted' };
    }
    const kind = this.rng.int(0, 6);
    if (kind === 0)
      return {
        outcome: 'refused',
        status: 429,
        reason: 'HTTP 429 ApplicationThrottled',
        retryAfterMs: this.rng.int(1, 30) * 1000,
      };
    if (kind === 1) return this.unknown('HTTP 503 before the mail was taken');
    if (kind === 2) {
      this.accept(email, marker, this.now, save);
      return this.unknown('HTTP 504 after the mail was taken');
    }
    if (kind === 3) {
      this.accept(email, marker, this.now, save);
      return this.unknown('connection dropped after the mail was taken');
    }
    if (kind === 4) {
      // A timeout: the client gave up after up to 210 s; the mail went out during it, or not.
      const hang = this.rng.int(30_000, 210_000);
      if (this.rng.chance(0.5)) this.accept(email, marker, this.now + this.rng.int(0, hang), save);
      this.now += hang;
      this.alive(task);
      return this.unknown('no answer within the timeout');
    }
    if (kind === 5) {
      // The worker dies inside the call, after Graph took the mail: nobody reads the 202.
      this.accept(email, marker, this.now, save);
      return this.die(task);
    }
    // The worker dies inside the call, after the request was written; Graph never took it.
    return this.die(task);
  }

  private async findSent(task: Task, marker: string): Promise<SentLookup> {
    await this.enter(task);
    this.counters.lookups++;
    if (!this.faults.readAccess) return 'cannotRead';
    if (this.fault(this.faults.lookup)) {
      if (this.rng.chance(0.5)) {
        this.now += this.rng.int(10_000, 60_000);
        this.alive(task);
      }
      throw new RetryableError('injected: the Sent Items lookup failed', undefined);
    }
    const m = marker.toLowerCase();
    return this.mails.some((mail) => mail.marker.toLowerCase() === m && mail.visibleAt <= this.now)
      ? 'found'
      : 'notFound';
  }

  /** The mailbox pace: sometimes the slot is too far off and the job goes back to the queue. */
  pacerFor(task: Task): SendPacer {
    return {
      run: async <T>(_mailbox: string, send: () => Promise<T>): Promise<T> => {
        await this.enter(task);
        if (this.fault(this.faults.queue))
          throw new RetryableError('injected: the pace slot is more than 3 minutes away', 60_000);
        return send();
      },
    };
  }

  /** The queue's "later": a new message, invisible until its time; the write may fail before or after. */
  schedulerFor(task: Task): JobScheduler {
    return {
      later: async (jobText: string, delayMs: number): Promise<void> => {
        await this.enter(task);
        if (this.fault(this.faults.queue)) throw new StorageFault(503, 'scheduler');
        this.scheduled.push({ text: jobText, visibleAt: this.now + Math.max(1_000, delayMs) });
        this.counters.scheduledAgain++;
        if (this.fault(this.faults.queue / 2)) throw new StorageFault(503, 'scheduler (after the write)');
      },
    };
  }
}
