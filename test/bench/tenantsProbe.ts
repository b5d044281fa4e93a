/**
 * The product in a process of its own for the tenants section (tenantsBench.ts): one Deployment
 * serving every tenant of the Tenants table, driven through the cycles the timers would cause:
 * fanOut('snapshot') and each tenant-runs message through Deployment.runTenant, fanOut('detect') and
 * its runs, then every queued notice through Deployment.sendQueued. Queue messages are taken the way
 * the Functions host takes them on one instance (host.json: batches of 4, the next batch fetched
 * when 2 are left in flight, so at most 6 at once), each message on its own: one tenant's failure or
 * slowness only costs its own executions.
 *
 * Started with --expose-gc and an IPC channel. Between phases it tells the driver ("mark") and waits,
 * so the driver can take the simulator's and the storage proxy's counts phase by phase; those pauses
 * are outside every timing. heapUsed and rss are sampled every 10 ms.
 */
import { QueueClient } from '@azure/storage-queue';
import { Deployment } from '../../shared/app/deployment';
import { QUEUE_NAME } from '../../shared/jobs/delivery';
import { silentLogger } from '../../shared/log/logger';
import { decodeMessage } from '../../shared/queue/storageQueue';
import { TENANT_RUNS_QUEUE, type TenantStage } from '../../shared/tenants/tenantRun';
import type { BenchTenant } from './simProtocol';

/** host.json extensions.queues: batchSize 4, newBatchThreshold 2. */
export const HOST_BATCH_SIZE = 4;
export const HOST_NEW_BATCH_THRESHOLD = 2;
/** What the host hides a message for while it runs (its default: the function timeout). */
const RUN_VISIBILITY_SECONDS = 600;

export interface TenantsProbeInput {
  env: Record<string, string>;
  tenants: BenchTenant[];
  cycles: number;
}

export type Phase = 'snapshot' | 'detect' | 'send';

export interface Execution {
  tenant: string;
  ms: number;
  ok: boolean;
  /** Why a run did nothing (disabled, lease held, stale), or the error of a failed one. */
  note?: string;
  /** For a send: Graph accepted the email. */
  sent?: boolean;
}

export interface PhaseResult {
  phase: Phase;
  /** Date.now() when the phase began (to line up with the simulator's acceptance times). */
  startedAtMs: number;
  /** From the timer's fan-out (none for send) to the last execution's end. */
  ms: number;
  fanOutMs: number;
  executions: Execution[];
  /** Most executions in flight at once. */
  peakInFlight: number;
  /** Messages whose execution ended but whose delete failed (they would come back after the visibility timeout). */
  deletesFailed: string[];
}

export interface CycleResult {
  ms: number;
  phases: PhaseResult[];
  memory: { peakHeapBytes: number; peakRssBytes: number; baseHeapBytes: number; baseRssBytes: number };
}

export interface TenantsProbeResult {
  setupMs: number;
  cycles: CycleResult[];
}

export type ProbeToDriver =
  { type: 'mark'; name: string } | { type: 'result'; result: TenantsProbeResult } | { type: 'error'; error: string };

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('tenantsProbe.js must run with node --expose-gc');
  collect();
  collect();
}

function send(message: ProbeToDriver): void {
  process.send?.(message);
}

/** Tells the driver a phase ended and waits until it has taken its counts. */
function mark(name: string): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: { type?: string }): void => {
      if (message.type !== 'marked') return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
    send({ type: 'mark', name });
  });
}

function bodyOf(messageText: string): unknown {
  // The host decodes base64 (host.json messageEncoding) and hands JSON over parsed.
  const text = decodeMessage(messageText);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function tenantOf(body: unknown): string {
  const tenant = typeof body === 'object' && body !== null ? (body as { tenant?: unknown }).tenant : undefined;
  return typeof tenant === 'string' ? tenant.toLowerCase() : '(none)';
}

/**
 * Every message of a queue, taken as the host takes them on one instance: a batch of 4 whenever 2 or
 * fewer are in flight. A message is deleted when its handler returns; one that throws is left for the
 * queue's retry (as the host does) and counted as failed.
 */
async function drainLikeHost(
  queue: QueueClient,
  handle: (body: unknown, messageId: string) => Promise<Omit<Execution, 'ms'>>,
): Promise<{ executions: Execution[]; peakInFlight: number; deletesFailed: string[] }> {
  const executions: Execution[] = [];
  const deletesFailed: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let peakInFlight = 0;
  for (;;) {
    if (inFlight.size <= HOST_NEW_BATCH_THRESHOLD) {
      const { receivedMessageItems } = await queue.receiveMessages({
        numberOfMessages: HOST_BATCH_SIZE,
        visibilityTimeout: RUN_VISIBILITY_SECONDS,
      });
      if (receivedMessageItems.length === 0) {
        if (inFlight.size > 0) {
          await Promise.race(inFlight);
          continue;
        }
        // Jobs sent back until their pace slot are invisible for a while: the host keeps polling for them.
        const waiting = (await queue.getProperties()).approximateMessagesCount ?? 0;
        if (waiting === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        continue;
      }
      for (const item of receivedMessageItems) {
        const body = bodyOf(item.messageText);
        const started = performance.now();
        const run = handle(body, item.messageId)
          .then(
            async (outcome) => {
              executions.push({ ...outcome, ms: performance.now() - started });
              // The host's own delete: if it fails the message comes back later (the product's ledger
              // makes that harmless); it is the host's failure, not the execution's.
              await queue.deleteMessage(item.messageId, item.popReceipt).catch((error: unknown) => {
                deletesFailed.push(`${tenantOf(body)}: ${noteOf(error)}`);
              });
            },
            (error: unknown) => {
              executions.push({
                tenant: tenantOf(body),
                ms: performance.now() - started,
                ok: false,
                note: noteOf(error),
              });
            },
          )
          .finally(() => inFlight.delete(run));
        inFlight.add(run);
      }
      peakInFlight = Math.max(peakInFlight, inFlight.size);
    } else {
      await Promise.race(inFlight);
    }
  }
  return { executions, peakInFlight, deletesFailed };
}

function noteOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300);
}

function sampleMemory(): { stop(): CycleResult['memory'] } {
  gc();
  const base = process.memoryUsage();
  let peakHeap = base.heapUsed;
  let peakRss = base.rss;
  const take = (): void => {
    const now = process.memoryUsage();
    if (now.heapUsed > peakHeap) peakHeap = now.heapUsed;
    if (now.rss > peakRss) peakRss = now.rss;
  };
  const timer = setInterval(take, 10);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return { peakHeapBytes: peakHeap, peakRssBytes: peakRss, baseHeapBytes: base.heapUsed, baseRssBytes: base.rss };
    },
  };
}

async function main(input: TenantsProbeInput): Promise<TenantsProbeResult> {
  // @azure/identity's EnvironmentCredential (the home identity here) reads AZURE_* from the process environment.
  Object.assign(process.env, input.env);
  const connection = input.env.AzureWebJobsStorage;
  const deployment = new Deployment(input.env, silentLogger);
  const s0 = performance.now();
  const registry = await deployment.registry();
  const addedAt = new Date().toISOString();
  for (const t of input.tenants)
    await registry.put({
      tenantId: t.tenantId,
      name: t.domain,
      disabled: false,
      // A customer starts telling at its first run: the planted releases came before it.
      settings: { NOTIFY_SENDER_MAILBOX: t.mailbox, NOTIFY_RELEASES_SINCE: '2020-01-01T00:00:00Z' },
      addedAt,
    });
  deployment.forgetTenants();
  const setupMs = performance.now() - s0;
  const runs = new QueueClient(connection, TENANT_RUNS_QUEUE);
  const notices = new QueueClient(connection, QUEUE_NAME);
  await mark('setup');

  const stagePhase = async (stage: TenantStage & Phase): Promise<PhaseResult> => {
    const startedAtMs = Date.now();
    const t0 = performance.now();
    await deployment.fanOut(stage);
    const fanOutMs = performance.now() - t0;
    const drained = await drainLikeHost(runs, async (body) => {
      const summary = (await deployment.runTenant(body, 'bench')) as { skipped?: string };
      return { tenant: tenantOf(body), ok: summary.skipped === undefined, note: summary.skipped };
    });
    return { phase: stage, startedAtMs, ms: performance.now() - t0, fanOutMs, ...drained };
  };
  const sendPhase = async (): Promise<PhaseResult> => {
    const startedAtMs = Date.now();
    const t0 = performance.now();
    await notices.createIfNotExists();
    const drained = await drainLikeHost(notices, async (body, messageId) => {
      const outcome = (await deployment.sendQueued(body, messageId)) as { tenant?: string; sent?: boolean };
      return { tenant: outcome.tenant ?? tenantOf(body), ok: true, sent: outcome.sent === true };
    });
    return { phase: 'send', startedAtMs, ms: performance.now() - t0, fanOutMs: 0, ...drained };
  };

  const cycles: CycleResult[] = [];
  for (let c = 1; c <= input.cycles; c++) {
    const memory = sampleMemory();
    const phases: PhaseResult[] = [];
    phases.push(await stagePhase('snapshot'));
    await mark(`cycle${c}.snapshot`);
    phases.push(await stagePhase('detect'));
    await mark(`cycle${c}.detect`);
    phases.push(await sendPhase());
    await mark(`cycle${c}.send`);
    cycles.push({ ms: phases.reduce((sum, p) => sum + p.ms, 0), phases, memory: memory.stop() });
  }
  return { setupMs, cycles };
}

/** The last message, then the channel closed once it is written (a large result is written in parts). */
function finish(message: ProbeToDriver): void {
  process.send?.(message, undefined, {}, () => process.disconnect());
}

process.once('message', (input: TenantsProbeInput) => {
  main(input).then(
    (result) => finish({ type: 'result', result }),
    (error: unknown) =>
      finish({ type: 'error', error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
