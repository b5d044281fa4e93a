/**
 * `npm start`: the whole product against a local Azurite and the simulated Microsoft 365 tenant,
 * run exactly as an admin runs it (`npm run once`, a separate process that knows only its settings),
 * twice; then every email Graph received is written to outbox/ and a report is printed.
 *
 *   runDemo({ outboxDir, onceCommand })   the flow, for tests (once.js from a build of theirs)
 *   node dist/simulator/demo.js           the command
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Runtime } from '../shared/app/runtime';
import { reportSummary } from '../shared/report/renderReport';
import { writeReport } from '../shared/report/writeReport';
import { loadSettings } from '../shared/config/settings';
import type { DetectSummary } from '../shared/detect/detectReleases';
import { MemoryLogger } from '../shared/log/logger';
import type { ReportSummary } from '../shared/report/renderReport';
import type { DrainSummary } from '../shared/notify/drainQueue';
import type { SnapshotSummary } from '../shared/snapshot/snapshotQuarantine';
import { startAzurite, type Azurite } from './azurite';
import { M365Simulator, type SentMail } from './index';
import { oneLine, writeOutbox, type WrittenEmail } from './outbox';
import { loadSampleTenant, SAMPLE_ALERT_RECIPIENTS, SAMPLE_SENDER_MAILBOX, type SampleTenant } from './sampleTenant';

const DAY_MS = 24 * 60 * 60 * 1000;
const CHILD_TIMEOUT_MS = 120_000;

/** The last stdout line of `npm run once`. */
export interface OnceSummary {
  command: string;
  ok: boolean;
  error?: string;
  snapshot?: SnapshotSummary;
  detect?: DetectSummary;
  send?: DrainSummary;
}

export interface OnceRun {
  exitCode: number | null;
  signal: string | null;
  /** Parsed from the last stdout line; undefined when that was not a JSON summary. */
  summary: OnceSummary | undefined;
  /** What the product logged (its stderr), line by line. */
  log: string[];
  /** What Graph received during this run. */
  sent: SentMail[];
  ms: number;
}

export interface DemoOptions {
  /** Where the .eml and .html files go. Default: ./outbox */
  outboxDir?: string;
  /** The command that runs one cycle. Default: node <dist>/shared/cli/once.js next to this file. */
  onceCommand?: readonly string[];
  /** Where the activity report's page and charts go. Default: ./report beside ./outbox, or report/ inside a given outboxDir. */
  reportDir?: string;
  /** Where the report goes, one line at a time. Default: stdout. */
  print?: (line: string) => void;
  now?: () => Date;
}

export interface DemoResult {
  tenant: SampleTenant;
  runs: [OnceRun, OnceRun];
  written: WrittenEmail[];
  /** Everything Graph received, in arrival order. */
  sentMail: SentMail[];
  /** The 30-day activity report of the sample tenant (`npm run report`), written to `dir`. */
  report: { dir: string; summary: ReportSummary };
}

/** The demo could not show what it should: one line says what went wrong. */
export class DemoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoError';
  }
}

/** Product settings a shell might carry that would change what the demo shows (the template ones are kept: try NOTIFY_LANGUAGE=de). */
const DROPPED_SETTINGS =
  /^(AzureWebJobsStorage.*|AZURE_.*|M365_TENANT_ID|EXCHANGE_ENDPOINT|MANAGEMENT_ENDPOINT|GRAPH_ENDPOINT|SNAPSHOT_SCHEDULE|RELEASES_SCHEDULE|NOTIFY_RELEASES_SINCE|NOTIFY_SENDER_MAILBOX|NOTIFY_MAX_PER_MINUTE|NOTIFY_SAVE_TO_SENT_ITEMS|NOTIFY_DRY_RUN|ALERT_RECIPIENTS|HEALTH_RECIPIENTS|REPORT_RECIPIENTS)$/;

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const outboxDir = resolve(options.outboxDir ?? 'outbox');
  const reportDir = resolve(options.reportDir ?? (options.outboxDir ? join(options.outboxDir, 'report') : 'report'));
  const onceCommand = options.onceCommand ?? [process.execPath, join(__dirname, '..', 'shared', 'cli', 'once.js')];
  if (!options.onceCommand && !existsSync(onceCommand[1])) {
    throw new DemoError(`${onceCommand[1]} is missing: build first (npm start does, or npm run build).`);
  }

  print('Quarantine release notifier: local demo');
  print('');
  print(
    'Starting Azurite (in memory) and the simulated Microsoft 365 tenant (Entra ID, Exchange, audit feed, Graph)...',
  );
  const [azurite, sim] = await Promise.all([startAzurite(), M365Simulator.start()]).catch(async (error: unknown) => {
    throw new DemoError(`could not start Azurite and the simulator: ${message(error)}`);
  });
  // A scratch folder as the product's working directory, so a local.settings.json here is not read.
  const workDir = mkdtempSync(join(tmpdir(), 'qrn-demo-'));
  try {
    const tenant = loadSampleTenant(sim, now());
    printTenant(print, tenant);

    const env = childEnv(sim, azurite, now());
    const first = await runOnce(
      onceCommand,
      env,
      workDir,
      sim,
      print,
      'Run 1: npm run once  (snapshot the quarantine, detect releases, send the notifications)',
    );
    if (first.exitCode !== 0 || !first.summary?.ok)
      throw new DemoError(`run 1 failed (exit code ${first.exitCode ?? first.signal}): ${failure(first)}`);
    printSummary(print, first);
    if (first.sent.length === 0) throw new DemoError('run 1 finished but sent no email; see the log above.');

    const second = await runOnce(
      onceCommand,
      env,
      workDir,
      sim,
      print,
      'Run 2: the same command again (nothing new happened in the tenant)',
    );
    if (second.exitCode !== 0 || !second.summary?.ok)
      throw new DemoError(`run 2 failed (exit code ${second.exitCode ?? second.signal}): ${failure(second)}`);
    printSummary(print, second);
    if (second.sent.length > 0)
      throw new DemoError(`run 2 sent ${second.sent.length} email(s) again: every release must be told exactly once.`);
    print('  Nothing sent: every release was already told. Each one is told exactly once.');

    const written = await writeOutbox(outboxDir, sim.sentMail);
    printOutbox(print, written);
    const report = await writeActivityReport(env, reportDir, tenant, print, now());
    return {
      tenant,
      runs: [first, second],
      written,
      sentMail: [...sim.sentMail],
      report: { dir: reportDir, summary: report },
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    await Promise.allSettled([azurite.stop(), sim.stop()]);
  }
}

/**
 * `npm run report` with the demo's settings: the same code, in this process (it needs only storage).
 * Its counts must be the quarantine records the sample tenant published, day by day.
 */
async function writeActivityReport(
  env: Record<string, string>,
  dir: string,
  tenant: SampleTenant,
  print: (line: string) => void,
  now: Date,
): Promise<ReportSummary> {
  // The report also asks Graph (advanced hunting) and Exchange (the ZAP report): the sign-in reads the
  // app's credentials from the process environment, as the CLI's would.
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let summary: ReportSummary;
  let source = '';
  try {
    const runtime = new Runtime(loadSettings(env), new MemoryLogger());
    // What `npm run report` does (runReport), keeping the data to say which source drew the post-delivery charts.
    const data = await runtime.reportData(30, now);
    summary = reportSummary(data, await writeReport(resolve(dir), data));
    source = data.postDelivery?.source ?? 'none';
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
  const published = new Map(tenant.activity.map((day) => [day.date, day]));
  const wrong = summary.days.filter((day) => {
    const expected = published.get(day.date);
    return (Object.keys(day) as Array<keyof typeof day>).some(
      (key) => key !== 'date' && day[key] !== (expected ? expected[key] : 0),
    );
  });
  if (wrong.length > 0)
    throw new DemoError(
      `the activity report's counts differ from what the sample tenant published on ${wrong.map((d) => d.date).join(', ')}`,
    );
  const total = (key: 'release' | 'preview' | 'delete'): number => summary.days.reduce((sum, day) => sum + day[key], 0);
  print('');
  print(`Activity report, ${summary.from} to ${summary.to} (UTC), written to ${displayPath(dir)}/:`);
  for (const file of summary.files) print(`  ${displayPath(join(dir, file))}`);
  print(
    `  ${total('release')} releases, ${total('preview')} previews, ${total('delete')} deletions, ${summary.arrivals.reduce((sum, day) => sum + day.total, 0)} messages quarantined;`,
  );
  print(`  every day's counts match the quarantine audit records the sample tenant published (each record once);`);
  print(
    `  post-delivery series drawn from: ${source === 'advanced-hunting' ? 'Defender XDR advanced hunting (Graph runHuntingQuery)' : source === 'zap-report' ? 'Exchange Get-AggregateZapReport' : 'no source'}.`,
  );
  return summary;
}

/** The admin's settings for the simulated tenant: what `func start` or the Function App would have. */
function childEnv(sim: M365Simulator, azurite: Azurite, now: Date): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (value !== undefined && !DROPPED_SETTINGS.test(name)) env[name] = value;
  return {
    ...env,
    ...sim.settings(),
    AzureWebJobsStorage: azurite.connectionString,
    NOTIFY_SENDER_MAILBOX: SAMPLE_SENDER_MAILBOX,
    NOTIFY_RELEASES_SINCE: new Date(now.getTime() - DAY_MS).toISOString(),
    // The sample tenant releases a malware message and a burst: the security team's alerts land in outbox/ too.
    ALERT_RECIPIENTS: SAMPLE_ALERT_RECIPIENTS,
    // Node reads this when a process starts: the simulator's certificate plus any bundle already trusted.
    NODE_EXTRA_CA_CERTS: loadMakeCert().trustBundle(dirname(sim.caCertPath), sim.caCertPath),
  };
}

type MakeCertModule = typeof import('./make-cert');

/** make-cert.js stays plain JS outside dist/ (the test launcher needs it before any build): find it from here. */
function loadMakeCert(): MakeCertModule {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'simulator', 'make-cert.js');
    if (existsSync(join(dir, 'package.json')) && existsSync(file))
      return createRequire(__filename)(file) as MakeCertModule;
    if (dirname(dir) === dir) throw new DemoError(`simulator/make-cert.js not found above ${__dirname}`);
  }
}

async function runOnce(
  command: readonly string[],
  env: Record<string, string>,
  cwd: string,
  sim: M365Simulator,
  print: (line: string) => void,
  title: string,
): Promise<OnceRun> {
  print('');
  print(title);
  const sentBefore = sim.sentMail.length;
  const started = Date.now();
  const log: string[] = [];
  let stdout = '';
  const { exitCode, signal } = await new Promise<{ exitCode: number | null; signal: string | null }>((done, fail) => {
    const child = spawn(command[0], command.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    let pending = '';
    const flush = (text: string): void => {
      for (const line of text.split('\n')) {
        const clean = line.replace(/\r$/, '');
        log.push(clean);
        print(`  | ${clean}`);
      }
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const end = pending.lastIndexOf('\n');
      if (end < 0) return;
      flush(pending.slice(0, end));
      pending = pending.slice(end + 1);
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      fail(new DemoError(`cannot start ${command.join(' ')}: ${error.message}`));
    });
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      if (pending !== '') flush(pending);
      done({ exitCode: code, signal: sig });
    });
  });
  const last = stdout.trimEnd().split('\n').pop() ?? '';
  return {
    exitCode,
    signal,
    summary: parseSummary(last),
    log,
    sent: sim.sentMail.slice(sentBefore),
    ms: Date.now() - started,
  };
}

function parseSummary(line: string): OnceSummary | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const record = value as Record<string, unknown>;
    if (typeof record.command !== 'string' || typeof record.ok !== 'boolean') return undefined;
    return value as OnceSummary;
  } catch {
    return undefined;
  }
}

function failure(run: OnceRun): string {
  if (run.summary?.error) return run.summary.error;
  // A crash ends with a stack and Node's version: the line naming the error says more.
  const lines = [...run.log].reverse().filter((line) => line.trim() !== '' && !/^\s+at /.test(line));
  return (
    lines.find((line) => /error|failed/i.test(line))?.trim() ?? lines[0]?.trim() ?? 'no summary line and no log output'
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------------
// The report

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function counts(map: Partial<Record<string, number>> | undefined, names: Record<string, string> = {}): string {
  const parts = Object.entries(map ?? {})
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number' && entry[1] > 0)
    .map(([key, value]) => `${value} ${names[key] ?? key}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

function cell(text: string, width: number): string {
  const clean = oneLine(text);
  return clean.length > width ? `${clean.slice(0, width - 1)}~` : clean.padEnd(width);
}

const HELD_BY: Record<string, string> = {
  TransportRule: 'mail-flow rule',
  DataLossPrevention: 'DLP policy',
  Spam: 'spam filter',
  Bulk: 'bulk filter',
  Phish: 'phish filter',
  HighConfPhish: 'high-conf phish',
  Malware: 'malware filter',
};
const ORIGIN: Record<string, string> = {
  outbound: 'internal',
  'intra-org': 'internal',
  inbound: 'internet',
  spoof: 'internet (spoof)',
  hybrid: 'internal (hybrid)',
  connector: 'internal (connector)',
};

function printTenant(print: (line: string) => void, tenant: SampleTenant): void {
  print('');
  print('Sample tenant: contoso.com');
  print(
    `  ${plural(tenant.rows, 'quarantined message')} (Get-QuarantineMessage rows); ${plural(tenant.blobs, 'audit blob')} with ${plural(tenant.records, 'record')}:`,
  );
  print(
    `    ${tenant.releaseRecords} successful releases (one record per released recipient), ${tenant.duplicateRecords} of them delivered again in the second blob`,
  );
  print(
    `    ${plural(tenant.failedReleases, 'failed release')}, ${tenant.noiseRecords} unrelated records (sign-ins, SharePoint, Teams, other quarantine actions)`,
  );
  print('  The audit subscription is off: the product starts it on its first run (a real tenant can then take');
  print('  hours to deliver audit content; the simulator has it at once).');
  print('');
  print(
    `  ${cell('sender', 24)} ${cell('subject', 28)} ${cell('held by', 15)} ${cell('Direction / header', 26)} ${cell('released by', 20)} expected`,
  );
  const groups = new Set<string>();
  for (const m of tenant.messages) {
    const expected = m.expect.kind === 'email' ? 'email' : `no email: ${m.expect.because}`;
    const origin = `${m.direction} / ${ORIGIN[m.origin] ?? m.origin}`;
    if (m.group) {
      // A burst is one line, not twenty-two.
      if (groups.has(m.group)) continue;
      groups.add(m.group);
      print(
        `  ${cell('(several senders)', 24)} ${cell(m.group, 28)} ${cell(HELD_BY[m.heldBy] ?? m.heldBy, 15)} ${cell(origin, 26)} ${cell(m.release, 20)} ${expected}`,
      );
      continue;
    }
    print(
      `  ${cell(m.sender || '(empty)', 24)} ${cell(m.subject, 28)} ${cell(HELD_BY[m.heldBy] ?? m.heldBy, 15)} ${cell(origin, 26)} ${cell(m.release, 20)} ${expected}`,
    );
  }
  const policies = new Map(
    tenant.messages
      .filter((m) => /TransportRule|DataLossPrevention/.test(m.heldBy))
      .map((m) => [`${HELD_BY[m.heldBy] ?? m.heldBy} "${m.policyName}"`, true]),
  );
  print(`  Policies: ${[...policies.keys()].join('; ')}.`);
  for (const m of tenant.messages.filter((x) => x.recipients.length > 1))
    print(`  "${m.subject}" went to ${m.recipients.join(' and ')}.`);
  print('  Each quarantined copy carries a header (Get-QuarantineMessageHeader) that says where it really came from.');
  const total = (key: keyof SampleTenant['activity'][number]): number =>
    tenant.activity.reduce((sum, day) => sum + (typeof day[key] === 'number' ? Number(day[key]) : 0), 0);
  print(
    `  Quarantine activity over ${plural(tenant.activity.length, 'day')}: ${total('release')} releases, ${total('preview')} previews, ${total('delete')} deletes, ` +
      `${total('export')} exports, ${total('viewHeader')} header views, ${total('releaseRequest')} release requests, ${total('denyRelease')} denied, ${total('failed')} failed.`,
  );
  print(
    `  Expected: ${plural(tenant.expectedEmails.length, 'email')}, one per sender: ${tenant.expectedEmails.map((e) => e.to).join(', ')}.`,
  );
}

const IGNORED: Record<string, string> = {
  'not-a-release': 'other activity',
  'not-release-request': 'release requests',
  failed: 'failed releases',
  malformed: 'malformed',
};
const SKIPPED: Record<string, string> = {
  'external-sender': 'external sender (inbound mail)',
  'invalid-sender': 'no usable sender address',
  'external-origin': 'came from outside (header)',
  'released-to-non-recipient': 'copy released to a non-recipient',
  'own-notice': "the notices mailbox's own mail",
  'before-cutoff': 'before NOTIFY_RELEASES_SINCE',
};

function printSummary(print: (line: string) => void, run: OnceRun): void {
  const { snapshot, detect, send } = run.summary ?? {};
  print(`  Finished in ${(run.ms / 1000).toFixed(1)} s, exit code ${run.exitCode}.`);
  if (snapshot) {
    print(
      `  Snapshot: ${plural(snapshot.rowsRead, 'quarantine row')} read, ${snapshot.rowsStored} stored in Table Storage (${plural(snapshot.calls, 'Exchange call')}).`,
    );
  }
  if (detect) {
    print(
      `  Detect:   ${plural(detect.recordsRead, 'audit record')} read from ${plural(detect.blobsRead, 'new blob')} (${detect.blobsListed} listed); ` +
        `${plural(detect.releases, 'release record')}: ${detect.newReleases} new, ${detect.duplicateReleases} duplicate; ignored: ${counts(detect.ignoredByReason, IGNORED)}.`,
    );
    print(
      `            ${detect.matched} matched to the snapshot; skipped: ${counts(detect.skippedByReason, SKIPPED)}; ` +
        `${detect.pending} waiting, ${detect.unmatched} unmatched; ${plural(detect.jobs, 'notification')} queued.`,
    );
  }
  if (send) {
    print(
      `  Send:     ${plural(send.sent, 'email')} sent through Graph, reporting ${plural(send.told, 'release')}` +
        `${send.alreadyTold ? ` (${send.alreadyTold} already told)` : ''}; ${send.failed} failed, ${send.poisoned} poisoned.`,
    );
  }
}

function printOutbox(print: (line: string) => void, written: readonly WrittenEmail[]): void {
  print('');
  print(
    `Emails Graph received (${written.length}), written to ${displayPath(written[0]?.eml ? dirname(written[0].eml) : 'outbox')}/:`,
  );
  for (const [index, email] of written.entries()) {
    print(`  ${String(index + 1).padStart(2, '0')}  to ${email.to}`);
    print(`      subject: ${email.subject}`);
    print(`      ${displayPath(email.html)}  (and .eml)`);
  }
  if (written.length > 0) {
    print('');
    print(`Open ${displayPath(written[0].html)} in a browser to read an email as the sender will,`);
    print('or the .eml files in a mail client (they carry the headers the product sent).');
  }
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}

if (require.main === module) {
  runDemo().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `\ndemo failed: ${error instanceof DemoError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
