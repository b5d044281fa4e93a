/**
 * The tenants section of the benchmark: one deployment serving N customer tenants (Tenants table,
 * MULTI_TENANT_APP_ID, each tenant signing in through the multi-tenant app's federated credential),
 * each tenant with its own quarantine and audit feed in the simulator. Measures whole cycles, as the
 * timers cause them, run by the product in its own process (tenantsProbe.ts), with every call to
 * Microsoft 365 counted per tenant by the simulator and every storage transaction counted per tenant
 * by a proxy in front of Azurite (storageCounter.ts). Then the same at 1 and 50 tenants: the growth.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { TableServiceClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import { forEachLimited } from '../../shared/store/tables';
import type { Azurite } from '../../simulator/azurite';
import type { SimProcess } from './simClient';
import type { BenchTenant, TenantMailCheck, TenantRequestCounts } from './simProtocol';
import { fmt, list, mb, median, percentile, round } from './stats';
import { StorageCounter, DEPLOYMENT, type StorageCounts } from './storageCounter';
import {
  HOST_BATCH_SIZE,
  HOST_NEW_BATCH_THRESHOLD,
  type CycleResult,
  type Phase,
  type ProbeToDriver,
  type TenantsProbeInput,
  type TenantsProbeResult,
} from './tenantsProbe';

const ROWS = 500;
const RELEASES = 20;
const SEED = 2500;
/** The default schedules: snapshot every 15 minutes, detection every 10. */
const RUNS_A_DAY: Record<'snapshot' | 'detect', number> = { snapshot: 96, detect: 144 };
/** NOTIFY_MAX_PER_MINUTE for the cycles measured (the pace out of the way). */
const PACE_OFF = 10_000;
const PHASES: readonly Phase[] = ['snapshot', 'detect', 'send'];
const SERVICES = ['authority', 'exchange', 'management', 'graph'] as const;
type Service = (typeof SERVICES)[number];

export interface TenantsBenchContext {
  azurite: Azurite;
  sim: SimProcess;
  /** The simulator's settings plus MULTI_TENANT_APP_ID. */
  simSettings: Record<string, string>;
  say(line?: string): void;
  progress(line: string): void;
}

/** What the simulator and the storage proxy counted in one phase of one cycle. */
interface PhaseCounts {
  calls: Record<string, TenantRequestCounts>;
  storage: StorageCounts;
}

interface CycleFigures {
  ms: number;
  sendStartedAtMs: number;
  phaseMs: Record<Phase, number>;
  fanOutMs: { snapshot: number; detect: number };
  /** Per tenant, its executions' durations summed (the time its own work took). */
  perTenantMs: number[];
  runMs: Record<Phase, number[]>;
  executions: { tenantRuns: number; sends: number; emailsSent: number; failed: number; notes: string[] };
  peakInFlight: number;
  memory: CycleResult['memory'];
  counts: Record<Phase, PhaseCounts>;
}

interface RepFigures {
  tenants: number;
  setupMs: number;
  cycles: CycleFigures[];
  mail: TenantMailCheck;
  tenantIds: string[];
  expected: Record<string, number>;
}

async function resetStorage(azurite: Azurite): Promise<void> {
  const tables = TableServiceClient.fromConnectionString(azurite.connectionString, { allowInsecureConnection: true });
  const queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
  const names: string[] = [];
  for await (const table of tables.listTables()) if (table.name) names.push(table.name);
  await forEachLimited(names, 16, (name) => tables.deleteTable(name));
  for await (const queue of queues.listQueues()) await queues.deleteQueue(queue.name);
}

/** Runs tenantsProbe.js, taking the counts at each of its marks. */
function runProbe(
  ctx: TenantsBenchContext,
  counter: StorageCounter,
  input: TenantsProbeInput,
): Promise<{ result: TenantsProbeResult; marks: Map<string, PhaseCounts> }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'tenantsProbe.js'), [], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const marks = new Map<string, PhaseCounts>();
    let settled = false;
    child.on('message', (message: ProbeToDriver) => {
      if (message.type === 'mark') {
        ctx.sim.call({ op: 'takeTenantRequests' }).then(
          (calls) => {
            marks.set(message.name, { calls, storage: counter.take() });
            child.send({ type: 'marked' });
          },
          (error: unknown) => {
            settled = true;
            child.kill();
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
      } else if (message.type === 'result') {
        settled = true;
        resolve({ result: message.result, marks });
      } else {
        settled = true;
        reject(new Error(`tenants probe: ${message.error}`));
      }
    });
    child.once('error', reject);
    // 'close', not 'exit': the IPC channel is drained by then, so the result has been read if it was sent.
    child.once('close', (code) => {
      if (!settled) reject(new Error(`tenants probe exited with ${code} before its result`));
    });
    child.send(input);
  });
}

function cycleFigures(
  cycle: CycleResult,
  counts: Record<Phase, PhaseCounts>,
  tenants: readonly string[],
): CycleFigures {
  const perTenant = new Map<string, number>(tenants.map((t) => [t, 0]));
  const runMs = { snapshot: [] as number[], detect: [] as number[], send: [] as number[] };
  const executions = { tenantRuns: 0, sends: 0, emailsSent: 0, failed: 0, notes: [] as string[] };
  let peakInFlight = 0;
  for (const phase of cycle.phases) {
    peakInFlight = Math.max(peakInFlight, phase.peakInFlight);
    for (const failed of phase.deletesFailed)
      if (executions.notes.length < 5)
        executions.notes.push(`${phase.phase} message not deleted after its execution, ${failed}`);
    for (const e of phase.executions) {
      perTenant.set(e.tenant, (perTenant.get(e.tenant) ?? 0) + e.ms);
      runMs[phase.phase].push(e.ms);
      if (phase.phase === 'send') executions.sends++;
      else executions.tenantRuns++;
      if (e.sent) executions.emailsSent++;
      if (!e.ok) executions.failed++;
      if (e.note && executions.notes.length < 5) executions.notes.push(`${phase.phase} ${e.tenant}: ${e.note}`);
    }
  }
  const phaseOf = (name: Phase) => cycle.phases.find((p) => p.phase === name);
  return {
    ms: cycle.ms,
    sendStartedAtMs: phaseOf('send')?.startedAtMs ?? Number.NaN,
    phaseMs: {
      snapshot: phaseOf('snapshot')?.ms ?? Number.NaN,
      detect: phaseOf('detect')?.ms ?? Number.NaN,
      send: phaseOf('send')?.ms ?? Number.NaN,
    },
    fanOutMs: {
      snapshot: phaseOf('snapshot')?.fanOutMs ?? Number.NaN,
      detect: phaseOf('detect')?.fanOutMs ?? Number.NaN,
    },
    perTenantMs: [...perTenant.values()],
    runMs,
    executions,
    peakInFlight,
    memory: cycle.memory,
    counts,
  };
}

async function measure(
  ctx: TenantsBenchContext,
  counter: StorageCounter,
  connectionString: string,
  size: number,
  options: { cycles: number; paced: boolean } = { cycles: 2, paced: false },
): Promise<RepFigures> {
  await resetStorage(ctx.azurite);
  const planted = await ctx.sim.call({
    op: 'tenants',
    count: size,
    rows: ROWS,
    releases: RELEASES,
    seed: SEED,
    nowMs: Date.now(),
    ageMs: 50 * 60_000,
  });
  counter.take();
  const env: Record<string, string> = {
    ...ctx.simSettings,
    AzureWebJobsStorage: connectionString,
    // The provider's own mailbox (home tenant); each customer's is in its Tenants row.
    NOTIFY_SENDER_MAILBOX: 'quarantine-notices@contoso.com',
    NOTIFY_RELEASES_SINCE: '2020-01-01T00:00:00Z',
    // Out of the way, as in section 3: at the default 30 a minute each mailbox's 17 notices take 35 s of
    // waiting, which measures Exchange's limit, not the product (BENCH_TENANTS_PACE measures the pace across tenants).
    ...(options.paced ? {} : { NOTIFY_MAX_PER_MINUTE: String(PACE_OFF) }),
  };
  const { result, marks } = await runProbe(ctx, counter, { env, tenants: planted.tenants, cycles: options.cycles });
  const ids = planted.tenants.map((t: BenchTenant) => t.tenantId);
  const figures: CycleFigures[] = result.cycles.map((cycle, i) => {
    const counts = {} as Record<Phase, PhaseCounts>;
    for (const phase of PHASES) {
      const found = marks.get(`cycle${i + 1}.${phase}`);
      if (!found) throw new Error(`no counts for cycle ${i + 1} ${phase}`);
      counts[phase] = found;
    }
    return cycleFigures(cycle, counts, ids);
  });
  const mail = await ctx.sim.call({ op: 'tenantMail' });
  return {
    tenants: size,
    setupMs: result.setupMs,
    cycles: figures,
    mail,
    tenantIds: ids,
    expected: Object.fromEntries(planted.tenants.map((t: BenchTenant) => [t.tenantId, t.expectedNotices])),
  };
}

/** A tenant's calls to one service in some phases, for every tenant; the rest ("deployment") separately. */
function callsPerTenant(
  cycle: CycleFigures,
  phases: readonly Phase[],
  tenants: readonly string[],
): { perTenant: Record<Service, number[]>; deployment: Record<Service, number> } {
  const perTenant = { authority: [], exchange: [], management: [], graph: [] } as Record<Service, number[]>;
  const deployment = { authority: 0, exchange: 0, management: 0, graph: 0 } as Record<Service, number>;
  const known = new Set(tenants);
  for (const service of SERVICES)
    for (const t of tenants)
      perTenant[service].push(phases.reduce((sum, p) => sum + (cycle.counts[p].calls[t]?.[service] ?? 0), 0));
  for (const p of phases)
    for (const [key, counts] of Object.entries(cycle.counts[p].calls))
      if (!known.has(key)) for (const service of SERVICES) deployment[service] += counts[service];
  return { perTenant, deployment };
}

function storagePerTenant(
  cycle: CycleFigures,
  phases: readonly Phase[],
  tenants: readonly string[],
): {
  requests: number[];
  operations: number[];
  deployment: number;
  deploymentOps: number;
  deploymentBy: Record<string, number>;
  tenantTablesBy: Record<string, number>;
} {
  const requests = tenants.map((t) => phases.reduce((sum, p) => sum + (cycle.counts[p].storage.requests[t] ?? 0), 0));
  const operations = tenants.map((t) =>
    phases.reduce((sum, p) => sum + (cycle.counts[p].storage.operations[t] ?? 0), 0),
  );
  const deploymentBy: Record<string, number> = {};
  const tenantTablesBy: Record<string, number> = {};
  for (const p of phases) {
    for (const [name, n] of Object.entries(cycle.counts[p].storage.deploymentBy))
      deploymentBy[name] = (deploymentBy[name] ?? 0) + n;
    for (const [name, n] of Object.entries(cycle.counts[p].storage.tenantTablesBy))
      tenantTablesBy[name] = (tenantTablesBy[name] ?? 0) + n;
  }
  return {
    requests,
    operations,
    deployment: phases.reduce((sum, p) => sum + (cycle.counts[p].storage.requests[DEPLOYMENT] ?? 0), 0),
    deploymentOps: phases.reduce((sum, p) => sum + (cycle.counts[p].storage.operations[DEPLOYMENT] ?? 0), 0),
    deploymentBy,
    tenantTablesBy,
  };
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

/** "mean (median m, p95 p)" of a per-tenant figure. */
function spread(values: readonly number[], digits = 1): string {
  return `${fmt(mean(values), digits)} (median ${fmt(median(values), digits)}, p95 ${fmt(percentile(values, 95), digits)})`;
}

function repOfMedian(reps: readonly RepFigures[], cycle: number): RepFigures {
  const sorted = [...reps].sort((a, b) => a.cycles[cycle].ms - b.cycles[cycle].ms);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function sizes(max: number): number[] {
  return [...new Set([1, 50, max].filter((n) => n >= 1 && n <= max))].sort((a, b) => a - b);
}

/** Reps per size, so the section fits in about 6 minutes on 2 cores: fewer reps, never a smaller workload. */
function repsFor(size: number): number {
  const forced = Number(process.env.BENCH_TENANTS_REPS);
  if (Number.isInteger(forced) && forced > 0) return forced;
  return size <= 1 ? 3 : 1;
}

export async function tenantsBench(ctx: TenantsBenchContext): Promise<Record<string, unknown>> {
  const max = Number(process.env.BENCH_TENANTS ?? 200);
  if (!Number.isInteger(max) || max < 1) throw new Error(`BENCH_TENANTS must be a whole number >= 1, got ${max}`);
  const started = Date.now();
  ctx.say(
    `== 7. Many tenants: ${fmt(max)} customer tenants on one deployment, ${ROWS} quarantined rows and ${RELEASES} releases each ==`,
  );
  const { counter, connectionString } = await StorageCounter.start(ctx.azurite);
  try {
    return await section(ctx, counter, connectionString, max, started);
  } finally {
    await counter.stop();
  }
}

async function section(
  ctx: TenantsBenchContext,
  counter: StorageCounter,
  connectionString: string,
  max: number,
  started: number,
): Promise<Record<string, unknown>> {
  const { say, progress } = ctx;
  const bySize = new Map<number, RepFigures[]>();
  for (const size of sizes(max)) {
    const reps: RepFigures[] = [];
    for (let rep = 0; rep < repsFor(size); rep++) {
      const t0 = Date.now();
      const figures = await measure(ctx, counter, connectionString, size);
      reps.push(figures);
      progress(
        `${size} tenant(s), rep ${rep + 1}/${repsFor(size)}: first cycle ${fmt(figures.cycles[0].ms / 1000, 1)} s, steady cycle ${fmt(
          figures.cycles[1].ms / 1000,
          1,
        )} s, emails ${figures.mail.emails}/${figures.mail.expected} (${fmt((Date.now() - t0) / 1000)} s with set-up)`,
      );
    }
    bySize.set(size, reps);
  }

  const largest = bySize.get(max) ?? [];
  const one = bySize.get(1) ?? [];
  const cycleMs = (reps: readonly RepFigures[], c: number): number => median(reps.map((r) => r.cycles[c].ms));
  const alone = { first: cycleMs(one, 0), steady: cycleMs(one, 1) };
  const sample = largest[0];
  const expectedTotal = sample ? Object.values(sample.expected).reduce((a, b) => a + b, 0) : 0;

  say(
    `per tenant: ${ROWS} Get-QuarantineMessage rows of the bench workload (about 1.3 copies per message, 2/3 of messages outbound from 300 senders of ` +
      `the tenant's own domain), ${RELEASES} QuarantineReleaseMessage records in its audit feed (released outbound messages -> one notice each; ` +
      `inbound -> skipped; unknown -> left pending): ${fmt(expectedTotal / Math.max(1, sample?.tenants ?? 1), 1)} notices a tenant; its own notices mailbox in its Tenants row; ` +
      `sign-in through the multi-tenant app's federated credential; simulator latency Exchange 10 ms, Graph 10 ms a call`,
  );
  say(
    `a cycle = fanOut('snapshot') + every tenant's snapshot run (Deployment.runTenant), fanOut('detect') + every detection run, then every queued notice (Deployment.sendQueued); ` +
      `queue messages are taken as the Functions host does on ONE instance (host.json batchSize ${HOST_BATCH_SIZE}, newBatchThreshold ${HOST_NEW_BATCH_THRESHOLD}: at most ${HOST_BATCH_SIZE + HOST_NEW_BATCH_THRESHOLD} executions in flight), each message on its own`,
  );
  say(
    `first cycle: everything new (empty storage, a fresh process: tables created, tokens fetched, ${ROWS} rows stored a tenant, its releases matched and told); ` +
      `steady cycle: the next one, nothing new (what most of a day's cycles are). The product runs in its own node process; ` +
      `storage transactions are counted by an HTTP proxy in front of Azurite (in the driver process), one per request, $batch parts as operations`,
  );
  say();
  say(
    '  tenants  reps   first cycle          steady cycle         first cycle / tenants   vs 1 tenant alone (cycle time; per-tenant cost)',
  );
  const growth: Array<Record<string, number>> = [];
  for (const [size, reps] of bySize) {
    const first = cycleMs(reps, 0);
    const steady = cycleMs(reps, 1);
    growth.push({
      tenants: size,
      reps: reps.length,
      firstCycleMs: round(first),
      steadyCycleMs: round(steady),
      firstPerTenantMs: round(first / size),
      steadyPerTenantMs: round(steady / size),
      firstRatioVsAlone: round(first / alone.first, 2),
      steadyRatioVsAlone: round(steady / alone.steady, 2),
      firstPerTenantCostVsAlone: round(first / size / alone.first, 3),
      steadyPerTenantCostVsAlone: round(steady / size / alone.steady, 3),
    });
    say(
      `  ${String(size).padStart(7)}  ${String(reps.length).padStart(4)}   ${`${fmt(first / 1000, 1)} s (${list(
        reps.map((r) => r.cycles[0].ms / 1000),
        1,
      )})`.padEnd(
        20,
      )} ${`${fmt(steady / 1000, 1)} s`.padEnd(20)} ${`${fmt(first / size)} ms (steady ${fmt(steady / size)})`.padEnd(23)} ` +
        `first x${fmt(first / alone.first, 1)}, steady x${fmt(steady / alone.steady, 1)}; per tenant x${fmt(first / size / alone.first, 2)} / x${fmt(
          steady / size / alone.steady,
          2,
        )}`,
    );
  }
  say();

  const detail: Record<string, unknown> = {};
  if (sample) {
    const ids = sample.tenantIds;
    /** Tenants whose every expected notice was accepted exactly once. */
    const toldAll = (r: RepFigures): number =>
      r.tenantIds.filter((t) => (r.mail.perTenantOnce[t] ?? 0) === r.expected[t]).length;
    for (const [c, label] of [
      [0, 'first cycle'],
      [1, 'steady cycle'],
    ] as const) {
      const rep = repOfMedian(largest, c);
      const cycle = rep.cycles[c];
      const calls = callsPerTenant(cycle, PHASES, ids);
      const storage = storagePerTenant(cycle, PHASES, ids);
      const perPhase: Record<string, unknown> = {};
      say(
        `${fmt(max)} tenants, ${label} (${largest.length > 1 ? 'median rep' : 'one rep'}): ${fmt(cycle.ms / 1000, 1)} s`,
      );
      say(
        `  phases: snapshot ${fmt(cycle.phaseMs.snapshot / 1000, 1)} s (fan-out ${fmt(cycle.fanOutMs.snapshot)} ms), detection ${fmt(
          cycle.phaseMs.detect / 1000,
          1,
        )} s (fan-out ${fmt(cycle.fanOutMs.detect)} ms), sending ${fmt(cycle.phaseMs.send / 1000, 1)} s; at most ${cycle.peakInFlight} executions in flight`,
      );
      say(
        `  per tenant, its executions summed (ms): median ${fmt(median(cycle.perTenantMs))}, p95 ${fmt(percentile(cycle.perTenantMs, 95))}, max ${fmt(
          Math.max(...cycle.perTenantMs),
        )}; one run: snapshot median ${fmt(median(cycle.runMs.snapshot))} / p95 ${fmt(percentile(cycle.runMs.snapshot, 95))}, ` +
          `detection ${fmt(median(cycle.runMs.detect))} / ${fmt(percentile(cycle.runMs.detect, 95))}, send ${fmt(median(cycle.runMs.send))} / ${fmt(
            percentile(cycle.runMs.send, 95),
          )}`,
      );
      say(
        `  calls per tenant (mean, median, p95): sign-in ${spread(calls.perTenant.authority)}, Exchange ${spread(calls.perTenant.exchange)}, ` +
          `Management ${spread(calls.perTenant.management)}, Graph ${spread(calls.perTenant.graph)}; ` +
          `the deployment's own (home identity's assertions, no tenant): sign-in ${calls.deployment.authority}, Exchange ${calls.deployment.exchange}, ` +
          `Management ${calls.deployment.management}, Graph ${calls.deployment.graph}`,
      );
      say(
        `  storage transactions per tenant, its own tables: ${spread(storage.requests)} (operations, $batch parts counted: ${fmt(
          mean(storage.operations),
          1,
        )}); deployment-level ${fmt(storage.deployment)} (= ${fmt(storage.deployment / rep.tenants, 1)} a tenant): ${topOf(storage.deploymentBy, 6)}`,
      );
      for (const phase of PHASES) {
        const c = callsPerTenant(cycle, [phase], ids);
        const st = storagePerTenant(cycle, [phase], ids);
        const perTenantTables = Object.fromEntries(
          Object.entries(st.tenantTablesBy).map(([name, count]) => [name, count / rep.tenants]),
        );
        say(
          `    ${phase.padEnd(8)} a tenant (mean): sign-in ${fmt(mean(c.perTenant.authority), 1)}, Exchange ${fmt(mean(c.perTenant.exchange), 1)}, ` +
            `Management ${fmt(mean(c.perTenant.management), 1)}, Graph ${fmt(mean(c.perTenant.graph), 1)}; storage ${fmt(mean(st.requests), 1)} ` +
            `(${topOf(perTenantTables, 5, 1)}) + deployment-level ${fmt(st.deployment / rep.tenants, 1)}`,
        );
        perPhase[phase] = {
          calls: Object.fromEntries(SERVICES.map((sv) => [sv, round(mean(c.perTenant[sv]), 2)])),
          storage: round(mean(st.requests), 1),
          storageDeploymentShare: round(st.deployment / rep.tenants, 2),
          runMsMedian: round(median(cycle.runMs[phase])),
        };
      }
      say(
        `  executions: ${fmt(cycle.executions.tenantRuns)} tenant runs + ${fmt(cycle.executions.sends)} sends = ${fmt(
          (cycle.executions.tenantRuns + cycle.executions.sends) / rep.tenants,
          2,
        )} a tenant, plus 2 timer fan-outs for the deployment; failed ${cycle.executions.failed}${
          cycle.executions.notes.length > 0 ? ` (${cycle.executions.notes.join('; ')})` : ''
        }; emails accepted by Graph ${fmt(cycle.executions.emailsSent)}`,
      );
      say(
        `  peak memory of the product's process: heapUsed ${mb(cycle.memory.peakHeapBytes)} (${mb(
          cycle.memory.peakHeapBytes - cycle.memory.baseHeapBytes,
        )} above the post-GC start of the cycle), rss ${mb(cycle.memory.peakRssBytes)}`,
      );
      detail[c === 0 ? 'firstCycle' : 'steadyCycle'] = {
        ms: round(cycle.ms),
        phaseMs: {
          snapshot: round(cycle.phaseMs.snapshot),
          detect: round(cycle.phaseMs.detect),
          send: round(cycle.phaseMs.send),
        },
        perTenantMs: { median: round(median(cycle.perTenantMs)), p95: round(percentile(cycle.perTenantMs, 95)) },
        callsPerTenantMean: Object.fromEntries(SERVICES.map((s) => [s, round(mean(calls.perTenant[s]), 2)])),
        callsPerTenantP95: Object.fromEntries(SERVICES.map((s) => [s, percentile(calls.perTenant[s], 95)])),
        deploymentCalls: calls.deployment,
        storagePerTenant: { mean: round(mean(storage.requests), 1), p95: percentile(storage.requests, 95) },
        storageOperationsPerTenant: round(mean(storage.operations), 1),
        storageDeployment: storage.deployment,
        executionsPerTenant: round((cycle.executions.tenantRuns + cycle.executions.sends) / rep.tenants, 2),
        failed: cycle.executions.failed,
        peakHeapMB: round(cycle.memory.peakHeapBytes / 1048576, 1),
        peakRssMB: round(cycle.memory.peakRssBytes / 1048576, 1),
        perPhase,
      };
    }
    const allOnce = largest.every(
      (r) =>
        r.mail.exactlyOnce === r.mail.expected &&
        r.mail.crossTenant === 0 &&
        r.mail.duplicated === 0 &&
        toldAll(r) === r.tenants,
    );
    const everySize = [...bySize.values()]
      .flat()
      .every((r) => r.mail.exactlyOnce === r.mail.expected && r.mail.crossTenant === 0);
    const m = sample.mail;
    say(
      `notices over both cycles (${fmt(max)} tenants): ${fmt(m.expected)} expected, ${fmt(m.exactlyOnce)} accepted exactly once, missing ${m.missing}, ` +
        `duplicated ${m.duplicated}, from or to another tenant ${m.crossTenant}, other emails ${m.unexpected}; tenants told all theirs: ${fmt(toldAll(sample))} of ${fmt(sample.tenants)} -> ${allOnce ? 'every notice exactly once, in its own tenant' : 'NOT EXACTLY ONCE PER TENANT'} ` +
        `(every rep of every size: ${everySize ? 'yes' : 'NO'})`,
    );
    detail.mail = { ...m, perTenantOnce: undefined, allExactlyOnce: allOnce, everySize };

    // The cost of one more tenant a day: steady cycles at the default schedules, each notice on top.
    const steady = repOfMedian(largest, 1).cycles[1];
    const first = repOfMedian(largest, 0).cycles[0];
    const n = sample.tenants;
    const perDay = (phase: 'snapshot' | 'detect') => {
      const calls = callsPerTenant(steady, [phase], ids);
      const storage = storagePerTenant(steady, [phase], ids);
      return {
        calls: Object.fromEntries(SERVICES.map((s) => [s, mean(calls.perTenant[s]) * RUNS_A_DAY[phase]])) as Record<
          Service,
          number
        >,
        storage: (mean(storage.requests) + storage.deployment / n) * RUNS_A_DAY[phase],
      };
    };
    const snap = perDay('snapshot');
    const det = perDay('detect');
    const noticeCalls = callsPerTenant(first, ['send'], ids);
    const noticeStorage = storagePerTenant(first, ['send'], ids);
    const notices = first.executions.sends;
    const perNotice = {
      graph:
        (noticeCalls.perTenant.graph.reduce((a, b) => a + b, 0) + noticeCalls.deployment.graph) / Math.max(1, notices),
      storage: (noticeStorage.requests.reduce((a, b) => a + b, 0) + noticeStorage.deployment) / Math.max(1, notices),
    };
    const day = {
      exchange: round(snap.calls.exchange + det.calls.exchange),
      management: round(snap.calls.management + det.calls.management),
      graph: round(snap.calls.graph + det.calls.graph),
      storageTransactions: round(snap.storage + det.storage),
      executions: RUNS_A_DAY.snapshot + RUNS_A_DAY.detect,
      perNotice: {
        graphCalls: round(perNotice.graph, 2),
        storageTransactions: round(perNotice.storage, 1),
        executions: 1,
      },
    };
    say(
      `cost of one more tenant a day at the default schedules (steady cycles: snapshot x${RUNS_A_DAY.snapshot}, detection x${RUNS_A_DAY.detect}; deployment-level storage shared out): ` +
        `Exchange ${fmt(day.exchange)} calls, Management ${fmt(day.management)}, Graph ${fmt(day.graph)}, storage ${fmt(day.storageTransactions)} transactions, ` +
        `${day.executions} executions; each notice adds 1 execution, ${fmt(perNotice.graph, 2)} Graph calls and ${fmt(perNotice.storage, 1)} storage transactions; ` +
        `sign-in: one token a resource an hour (the first cycle's sign-ins, ${fmt(mean(callsPerTenant(first, PHASES, ids).perTenant.authority), 1)} a tenant, x24)`,
    );
    detail.perDay = day;
  }
  const paced = await paceAcrossTenants(ctx, counter, connectionString);
  if (paced) detail.pace = paced;
  say(`section took ${fmt((Date.now() - started) / 1000)} s`);
  say();
  return {
    tenants: max,
    rowsPerTenant: ROWS,
    releasesPerTenant: RELEASES,
    hostModel: { batchSize: HOST_BATCH_SIZE, newBatchThreshold: HOST_NEW_BATCH_THRESHOLD },
    growth,
    largest: detail,
    seconds: round((Date.now() - started) / 1000),
  };
}

function topOf(counts: Record<string, number>, n: number, digits = 0): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, count]) => `${name} ${fmt(count, digits)}`)
    .join(', ');
}

/**
 * The product's default pace (NOTIFY_MAX_PER_MINUTE=30 a mailbox) with several tenants on one host
 * instance: each tenant's own mailbox could send its notices in parallel with the others', but a
 * send waits for its mailbox's slot inside its execution, holding one of the host's slots. How long
 * each tenant's last notice takes from the start of sending shows whether tenants wait on each other.
 * Off unless BENCH_TENANTS_PACE names a number of tenants (it takes about a minute a tenant at most).
 */
async function paceAcrossTenants(
  ctx: TenantsBenchContext,
  counter: StorageCounter,
  connectionString: string,
): Promise<Record<string, unknown> | undefined> {
  const size = Number(process.env.BENCH_TENANTS_PACE ?? 0);
  if (!Number.isInteger(size) || size < 1) return undefined;
  const rep = await measure(ctx, counter, connectionString, size, { cycles: 1, paced: true });
  const cycle = rep.cycles[0];
  const notices = cycle.executions.sends / size;
  // The first send goes at once, each next one a slot (60 s / 30 x 1.02) later.
  const floorMs = (notices - 1) * (60_000 / 30) * 1.02;
  const lastAfter = rep.tenantIds.map((t) => (rep.mail.lastAtMs[t] ?? Number.NaN) - cycle.sendStartedAtMs);
  const busyMs = cycle.runMs.send.reduce((a, b) => a + b, 0);
  ctx.say(
    `default pace (NOTIFY_MAX_PER_MINUTE=30 a mailbox), ${size} tenants of ${fmt(notices, 1)} notices, one host instance: sending took ${fmt(
      cycle.phaseMs.send / 1000,
      1,
    )} s; each tenant's last notice accepted after (s) ${list(
      [...lastAfter].sort((a, b) => a - b).map((v) => v / 1000),
      1,
    )}, where its own mailbox's pace alone needs ${fmt(floorMs / 1000, 1)} s; ` +
      `send executions held the host's slots ${fmt(busyMs / 1000)} s in all (${fmt(busyMs / cycle.phaseMs.send, 1)} in flight on average), ` +
      `one execution median ${fmt(median(cycle.runMs.send) / 1000, 1)} s, p95 ${fmt(percentile(cycle.runMs.send, 95) / 1000, 1)} s; ` +
      `exactly once: ${rep.mail.exactlyOnce} of ${rep.mail.expected}`,
  );
  return {
    tenants: size,
    noticesPerTenant: notices,
    sendPhaseMs: round(cycle.phaseMs.send),
    lastNoticeAfterMs: lastAfter.map((v) => round(v)),
    paceFloorMs: round(floorMs),
    sendExecutionMs: { median: round(median(cycle.runMs.send)), p95: round(percentile(cycle.runMs.send, 95)) },
    exactlyOnce: rep.mail.exactlyOnce === rep.mail.expected,
  };
}
