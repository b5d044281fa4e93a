/**
 * Runs one product operation in a fresh process started with --expose-gc, and reports its time and
 * peak memory: heapUsed and rss sampled every 10 ms, less a baseline taken right after a full GC.
 * The simulator and Azurite are other processes, so what is measured is the product alone (plus
 * this small driver). Input: the BENCH_PROBE environment variable (JSON, see ProbeInput).
 * Output: one line "PROBE_RESULT {json}" on stdout.
 */
import type { TableClient } from '@azure/data-tables';
import { Runtime } from '../../shared/app/runtime';
import { loadSettings } from '../../shared/config/settings';
import { detectReleases, type DetectDeps } from '../../shared/detect/detectReleases';
import { silentLogger } from '../../shared/log/logger';
import { TableQuarantineSnapshotStore } from '../../shared/store/quarantineSnapshotStore';
import { type QuarantineSnapshotStore } from '../../shared/snapshot/ports';
import type { ReleaseStore } from '../../shared/detect/ports';
import { TABLES } from '../../shared/store/tables';
import type { NotificationQueue } from '../../shared/detect/ports';

export interface ProbeInput {
  kind: 'snapshot' | 'detect';
  env: Record<string, string>;
  /** Header reads allowed in the run (default: the product's MAX_HEADER_READS_PER_RUN). */
  maxHeaderReads?: number;
}

export interface MemoryPeaks {
  /** Peak heapUsed above the post-GC baseline. */
  peakHeapBytes: number;
  /** Peak rss above the baseline rss. */
  peakRssBytes: number;
  /** heapUsed after the run and a full GC, above the baseline: what the run kept. */
  retainedHeapBytes: number;
  samples: number;
}

export interface SnapshotProbeResult {
  kind: 'snapshot';
  ms: number;
  rowsStored: number;
  calls: number;
  memory: MemoryPeaks;
}

export interface DetectProbeResult {
  kind: 'detect';
  ms: number;
  /**
   * ms from the start: ingest ends at the first pending() call, matching at the first enqueue call;
   * enqueueMs runs to the end of the last enqueue (settles of earlier batches interleave with it).
   */
  phases: { ingestMs: number; matchMs: number; enqueueMs: number; settleAndPurgeMs: number };
  summary: {
    recordsRead: number;
    releases: number;
    newReleases: number;
    duplicateReleases: number;
    matched: number;
    pending: number;
    unmatched: number;
    skipped: number;
    jobs: number;
    headerReads: number;
  };
  /** Releases still pending in the table after the run (read back, not taken from the summary). */
  pendingAfter: number;
  /** Calls into the QuarantineSnapshotStore port, and what reached its TableClient. */
  snapshotStore: {
    findByNetworkMessageId: number;
    purge: number;
    upsert: number;
    /** Every listEntities filter sent to the QuarantineSnapshot table, classified. */
    partitionQueries: number;
    otherQueries: string[];
    /** Other TableClient methods called on QuarantineSnapshot, by name. */
    otherMethods: Record<string, number>;
    lookupMs: { median: number; p95: number; max: number };
  };
  pendingReleases: number;
  jobsEnqueued: number;
  memory: MemoryPeaks;
}

export type ProbeResult = SnapshotProbeResult | DetectProbeResult;

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('probe.js must run with node --expose-gc');
  collect();
  collect();
}

/** Samples memory every 10 ms until stopped. */
function sampleMemory(): { stop(): MemoryPeaks } {
  gc();
  const base = process.memoryUsage();
  let peakHeap = base.heapUsed;
  let peakRss = base.rss;
  let samples = 0;
  const take = (): void => {
    const now = process.memoryUsage();
    samples++;
    if (now.heapUsed > peakHeap) peakHeap = now.heapUsed;
    if (now.rss > peakRss) peakRss = now.rss;
  };
  const timer = setInterval(take, 10);
  return {
    stop(): MemoryPeaks {
      clearInterval(timer);
      take();
      gc();
      return {
        peakHeapBytes: peakHeap - base.heapUsed,
        peakRssBytes: peakRss - base.rss,
        retainedHeapBytes: process.memoryUsage().heapUsed - base.heapUsed,
        samples,
      };
    },
  };
}

function sortedStats(values: number[]): { median: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number =>
    sorted.length === 0
      ? Number.NaN
      : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  return { median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] ?? Number.NaN };
}

async function probeSnapshot(runtime: Runtime): Promise<SnapshotProbeResult> {
  // Create the tables and fetch the Exchange token before the baseline: first-use costs, not per-row ones.
  await runtime.snapshotStore();
  await runtime.state();
  await runtime.token(runtime.settings.exchangeEndpoint)();
  const memory = sampleMemory();
  const started = performance.now();
  const summary = await runtime.snapshot();
  const ms = performance.now() - started;
  return { kind: 'snapshot', ms, rowsStored: summary.rowsStored, calls: summary.calls, memory: memory.stop() };
}

type Method = (...args: unknown[]) => unknown;

async function probeDetect(runtime: Runtime, maxHeaderReads: number | undefined): Promise<DetectProbeResult> {
  const base = await runtime.detectionDeps();
  const deps = { ...base, options: { ...base.options, maxHeaderReads } };
  await runtime.token(runtime.settings.managementEndpoint)();
  await runtime.token(runtime.settings.exchangeEndpoint)();

  // The snapshot table, with every call that reaches it recorded.
  const filters: string[] = [];
  const otherMethods: Record<string, number> = {};
  const table = await runtime.tables.readyTable(TABLES.snapshot);
  const watched = new Proxy(table, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const method = value as Method;
      return (...args: unknown[]): unknown => {
        if (property === 'listEntities') {
          const options = args[0] as { queryOptions?: { filter?: string } } | undefined;
          filters.push(options?.queryOptions?.filter ?? '(no filter: full scan)');
        } else {
          otherMethods[property] = (otherMethods[property] ?? 0) + 1;
        }
        return method.apply(target, args);
      };
    },
  }) as TableClient;
  const inner = new TableQuarantineSnapshotStore(watched);
  const lookupMs: number[] = [];
  const counts = { findByNetworkMessageId: 0, purge: 0, upsert: 0 };
  const snapshot: QuarantineSnapshotStore = {
    upsert: (messages) => {
      counts.upsert++;
      return inner.upsert(messages);
    },
    findByNetworkMessageId: async (id) => {
      counts.findByNetworkMessageId++;
      const t0 = performance.now();
      const rows = await inner.findByNetworkMessageId(id);
      lookupMs.push(performance.now() - t0);
      return rows;
    },
    purge: (now) => {
      counts.purge++;
      return inner.purge(now);
    },
  };

  const started = performance.now();
  let ingestEnd = Number.NaN;
  let enqueueStart = Number.NaN;
  let enqueueEnd = Number.NaN;
  let pendingReleases = 0;
  let jobsEnqueued = 0;
  const releases: ReleaseStore = {
    addIfNew: (release, now) => deps.stores.releases.addIfNew(release, now),
    addMany: (releases, now) => deps.stores.releases.addMany(releases, now),
    pending: async () => {
      if (Number.isNaN(ingestEnd)) ingestEnd = performance.now();
      const found = await deps.stores.releases.pending();
      pendingReleases += found.length;
      return found;
    },
    settle: (recordId, status, reason, now) => deps.stores.releases.settle(recordId, status, reason, now),
    settleMany: (recordIds, status, now) => deps.stores.releases.settleMany(recordIds, status, now),
    releasedBy: (account, from, to) => deps.stores.releases.releasedBy(account, from, to),
    isBlobDone: (contentId) => deps.stores.releases.isBlobDone(contentId),
    markBlobDone: (contentId, created, now) => deps.stores.releases.markBlobDone(contentId, created, now),
    purge: (before) => deps.stores.releases.purge(before),
  };
  const queue: NotificationQueue = {
    enqueue: async (jobs) => {
      if (Number.isNaN(enqueueStart)) enqueueStart = performance.now();
      jobsEnqueued += jobs.length;
      await deps.queue.enqueue(jobs);
      enqueueEnd = performance.now();
    },
  };
  const wired: DetectDeps = { ...deps, stores: { ...deps.stores, snapshot, releases }, queue };

  const memory = sampleMemory();
  const t0 = performance.now();
  const summary = await detectReleases(wired);
  const end = performance.now();
  const peaks = memory.stop();
  const pendingAfter = (await deps.stores.releases.pending()).length;

  const partitionQuery = /^PartitionKey eq '[^']*'$/;
  return {
    kind: 'detect',
    ms: end - t0,
    phases: {
      ingestMs: ingestEnd - started,
      matchMs: enqueueStart - ingestEnd,
      enqueueMs: enqueueEnd - enqueueStart,
      settleAndPurgeMs: end - enqueueEnd,
    },
    summary: {
      recordsRead: summary.recordsRead,
      releases: summary.releases,
      newReleases: summary.newReleases,
      duplicateReleases: summary.duplicateReleases,
      matched: summary.matched,
      pending: summary.pending,
      unmatched: summary.unmatched,
      skipped: Object.values(summary.skippedByReason).reduce((a, b) => a + (b ?? 0), 0),
      jobs: summary.jobs,
      headerReads: summary.headerReads,
    },
    pendingAfter,
    snapshotStore: {
      ...counts,
      partitionQueries: filters.filter((f) => partitionQuery.test(f)).length,
      otherQueries: filters.filter((f) => !partitionQuery.test(f)),
      otherMethods,
      lookupMs: sortedStats(lookupMs),
    },
    pendingReleases,
    jobsEnqueued,
    memory: peaks,
  };
}

async function main(): Promise<void> {
  const raw = process.env.BENCH_PROBE;
  if (!raw) throw new Error('BENCH_PROBE is not set');
  const input = JSON.parse(raw) as ProbeInput;
  // @azure/identity's EnvironmentCredential reads AZURE_* from the process environment.
  Object.assign(process.env, input.env);
  const runtime = new Runtime(loadSettings(input.env), silentLogger);
  const result =
    input.kind === 'snapshot' ? await probeSnapshot(runtime) : await probeDetect(runtime, input.maxHeaderReads);
  process.stdout.write(`PROBE_RESULT ${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`probe: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
