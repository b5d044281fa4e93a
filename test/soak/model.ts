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
import type { QueueClient } from '@azure/storage-queue';
import type { ComposedEmail } from '../../shared/email/compose';
import { decodeMessage } from '../../shared/queue/storageQueue';
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

/**
 * One tenant of the deployment, as its Runtime sees the world: its notices mailbox (its own settings),
 * its ledger (the table its prefix names in the deployment's one storage account), its job scheduler
 * (the product's adapter, stamping its tenant on every message) and its own faults.
 */
export interface TenantSide {
  id: string;
  name: string;
  mailbox: string;
  faults: FaultPlan;
  /** The ledger table this tenant's Runtime writes to: tablePrefixFor(tenant) + the ordinary name. */
  ledgerTable: string;
  ledger: MemoryLedger;
  scheduler: JobScheduler;
}

/** One delivery in flight (one queue message received by one worker). */
export interface Task {
  id: number;
  /** The tenant whose Runtime works on this delivery (the one its message names). */
  tenant: TenantSide;
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
  /** The tenant whose token sent it, and the mailbox it was sent as. */
  tenant: string;
  from: string;
  marker: string;
  networkMessageIds: string[];
  acceptedAt: number;
  /** When its copy shows in Sent Items (never, when saveToSentItems was false). */
  visibleAt: number;
}

/** One sendMail call: as whom, what, under which marker, whether a copy is saved. */
interface Sending {
  from: string;
  email: ComposedEmail;
  marker: string;
  save: boolean;
}

export interface ScheduledMessage {
  text: string;
  visibleAt: number;
}

/**
 * The shared state of one schedule (one deployment: its storage account's tables, its one job queue,
 * Graph) and the fault decisions; ports are per task views of it, each faulting by its tenant's plan.
 */
export class World {
  /** The deployment's storage account: ledger tables by name. Two tenants with one table name share it. */
  readonly tables = new Map<string, MemoryLedger>();
  readonly mails: AcceptedMail[] = [];
  /** Messages the product scheduled again; the driver moves them into its queue. */
  readonly scheduled: ScheduledMessage[] = [];
  readonly counters: Counters = { faults: 0, crashes: 0, sends: 0, unknownAnswers: 0, lookups: 0, scheduledAgain: 0 };
  private calls = 0;

  constructor(
    readonly rng: Rng,
    public now: number,
  ) {}

  /** The ledger table of that name, created on first use. */
  ledgerTable(name: string): MemoryLedger {
    let table = this.tables.get(name);
    if (!table) {
      table = new MemoryLedger();
      table.now = new Date(this.now);
      this.tables.set(name, table);
    }
    return table;
  }

  storm(faults: FaultPlan): boolean {
    return this.now < faults.stormEndsAt;
  }

  /** Draws a fault with probability p, during that tenant's storm only. */
  fault(faults: FaultPlan, p: number): boolean {
    if (!this.storm(faults) || !this.rng.chance(p)) return false;
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
    for (const table of this.tables.values()) table.now = new Date(this.now);
    const faults = task.tenant.faults;
    if (this.storm(faults) && this.rng.chance(faults.crash)) this.die(task);
  }

  /** After a call that took time: a worker past the Functions timeout never sees the answer. */
  alive(task: Task): void {
    if (task.dead || this.now >= task.deadline) this.die(task);
  }

  /** The ledger, each call possibly failing before or after its write. */
  ledgerFor(task: Task): NotificationLedger {
    const faults = task.tenant.faults;
    const call = async <R>(where: string, op: () => Promise<R>): Promise<R> => {
      await this.enter(task);
      if (this.fault(faults, faults.ledger)) throw new StorageFault(503, where);
      const result = await op();
      // The write happened but its answer was lost (or the process died right after it).
      if (this.fault(faults, faults.ledger / 2)) throw new StorageFault(503, `${where} (after the write)`);
      if (this.storm(faults) && this.rng.chance(faults.crash / 2)) this.die(task);
      return result;
    };
    const ledger = task.tenant.ledger;
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
      send: (from, email, options) => this.send(task, { from, email, marker: options.marker, save: saveToSentItems }),
      findSent: (from, marker) => this.findSent(task, from, marker),
    };
  }

  private accept(task: Task, sending: Sending, at: number): void {
    const { email, marker, save: saveToSentItems } = sending;
    this.counters.sends++;
    const header = email.headers.find((h) => h.name === NETWORK_MESSAGE_IDS_HEADER)?.value ?? '';
    this.mails.push({
      tenant: task.tenant.id,
      from: sending.from.toLowerCase(),
      marker,
      networkMessageIds: header.split(',').filter(Boolean),
      acceptedAt: at,
      visibleAt: saveToSentItems
        ? at + this.rng.int(0, task.tenant.faults.sentItemsDelayMaxMs)
        : Number.POSITIVE_INFINITY,
    });
  }

  private unknown(reason: string): SendAnswer {
    this.counters.unknownAnswers++;
    return { outcome: 'unknown', reason };
  }

  private async send(task: Task, sending: Sending): Promise<SendAnswer> {
    await this.enter(task);
    if (!this.fault(task.tenant.faults, task.tenant.faults.graph)) {
      this.accept(task, sending, this.now);
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
      this.accept(task, sending, this.now);
      return this.unknown('HTTP 504 after the mail was taken');
    }
    if (kind === 3) {
      this.accept(task, sending, this.now);
      return this.unknown('connection dropped after the mail was taken');
    }
    if (kind === 4) {
      // A timeout: the client gave up after up to 210 s; the mail went out during it, or not.
      const hang = this.rng.int(30_000, 210_000);
      if (this.rng.chance(0.5)) this.accept(task, sending, this.now + this.rng.int(0, hang));
      this.now += hang;
      this.alive(task);
      return this.unknown('no answer within the timeout');
    }
    if (kind === 5) {
      // The worker dies inside the call, after Graph took the mail: nobody reads the 202.
      this.accept(task, sending, this.now);
      return this.die(task);
    }
    // The worker dies inside the call, after the request was written; Graph never took it.
    return this.die(task);
  }

  /** The Sent Items of that mailbox, as the tenant whose token asks sees them. */
  private async findSent(task: Task, from: string, marker: string): Promise<SentLookup> {
    await this.enter(task);
    this.counters.lookups++;
    const faults = task.tenant.faults;
    if (!faults.readAccess) return 'cannotRead';
    if (this.fault(faults, faults.lookup)) {
      if (this.rng.chance(0.5)) {
        this.now += this.rng.int(10_000, 60_000);
        this.alive(task);
      }
      throw new RetryableError('injected: the Sent Items lookup failed', undefined);
    }
    const m = marker.toLowerCase();
    const mailbox = from.toLowerCase();
    return this.mails.some(
      (mail) =>
        mail.tenant === task.tenant.id &&
        mail.from === mailbox &&
        mail.marker.toLowerCase() === m &&
        mail.visibleAt <= this.now,
    )
      ? 'found'
      : 'notFound';
  }

  /** The mailbox pace: sometimes the slot is too far off and the job goes back to the queue. */
  pacerFor(task: Task): SendPacer {
    return {
      run: async <T>(_mailbox: string, send: () => Promise<T>): Promise<T> => {
        await this.enter(task);
        if (this.fault(task.tenant.faults, task.tenant.faults.queue))
          throw new RetryableError('injected: the pace slot is more than 3 minutes away', 60_000);
        return send();
      },
    };
  }

  /**
   * The queue's "later" through the tenant's own scheduler (the product's adapter, which stamps the
   * tenant): a new message, invisible until its time; the write may fail before or after.
   */
  schedulerFor(task: Task): JobScheduler {
    const faults = task.tenant.faults;
    return {
      later: async (jobText: string, delayMs: number): Promise<void> => {
        await this.enter(task);
        if (this.fault(faults, faults.queue)) throw new StorageFault(503, 'scheduler');
        await task.tenant.scheduler.later(jobText, delayMs);
        this.counters.scheduledAgain++;
        if (this.fault(faults, faults.queue / 2)) throw new StorageFault(503, 'scheduler (after the write)');
      },
    };
  }

  /**
   * The deployment's job queue as the storage SDK's client, for the product's StorageJobScheduler:
   * what it sends lands in `scheduled`, invisible for the seconds it asked for.
   */
  queueClient(): QueueClient {
    const client: Pick<QueueClient, 'createIfNotExists' | 'sendMessage'> = {
      // The answers are never read by the scheduler.
      createIfNotExists: async () => ({}) as never,
      sendMessage: async (text, options) => {
        this.scheduled.push({
          text: decodeMessage(text),
          visibleAt: this.now + Math.max(1_000, (options?.visibilityTimeout ?? 0) * 1000),
        });
        return {} as never;
      },
    };
    // Only the two calls the scheduler makes exist; anything else would throw, as it should in a test.
    return client as QueueClient;
  }
}
