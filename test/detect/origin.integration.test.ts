import { QueueClient } from '@azure/storage-queue';
import { detectReleases, type DetectSummary } from '../../shared/detect/detectReleases';
import type { NotificationJob } from '../../shared/jobs/notificationJob';
import { ExchangeError, type CmdletResult, type CmdletRunner } from '../../shared/exchange/exchangeClient';
import { ledgerKey, parseJob } from '../../shared/jobs/notificationJob';
import { decodeMessage } from '../../shared/queue/storageQueue';
import { QUEUE_NAME } from '../../shared/jobs/delivery';
import { quarantineRow, releaseRecord } from '../../simulator/fixtures';
import type { QuarantineRow } from '../../simulator/tenant';
import { World } from '../support/world';
import { INTERNAL_OUTBOUND, INTERNET_SPOOF, INTRA_ORG, OWN_NOTICE } from './headerFixtures';

const world = World.forSuite();

const HOUR = 3_600_000;
const ago = (ms: number): Date => new Date(Date.now() - ms);
const nmidOf = (row: QuarantineRow): string => row.Identity.split('\\')[0].toLowerCase();

type HeaderMode = 'readable' | 'refused';

/**
 * Until the simulator serves Get-QuarantineMessageHeader, this stands in for it in front of the real
 * Exchange client: the same envelope (value:[{Identity, Header}]), 400 "couldn't be found" for an
 * unknown identity and a 403 when the grant is withheld. Every other cmdlet goes to the simulator.
 */
class HeaderExchange implements CmdletRunner {
  readonly headers = new Map<string, string>();
  readonly reads: string[] = [];
  mode: HeaderMode = 'readable';

  constructor(private readonly real: CmdletRunner) {}

  serve(row: QuarantineRow, header: string): void {
    this.headers.set(row.Identity.toLowerCase(), header);
  }

  async invoke(cmdlet: string, parameters: Record<string, unknown>): Promise<CmdletResult> {
    if (cmdlet !== 'Get-QuarantineMessageHeader') return this.real.invoke(cmdlet, parameters);
    const identity = String(parameters.Identity);
    this.reads.push(identity);
    if (this.mode === 'refused')
      throw new ExchangeError('Exchange Get-QuarantineMessageHeader was forbidden (403)', 403);
    const header = this.headers.get(identity.toLowerCase());
    if (header === undefined)
      throw new ExchangeError(
        `Exchange Get-QuarantineMessageHeader failed (HTTP 400): The operation couldn't be performed because object '${identity}' couldn't be found.`,
        400,
      );
    return { rows: [{ Identity: identity, Header: header }], truncated: false, warnings: [] };
  }
}

let exchange: HeaderExchange;
beforeEach(() => {
  exchange = new HeaderExchange(world.runtime().exchange);
});

async function detect(extra: { maxHeaderReads?: number } = {}): Promise<DetectSummary> {
  const deps = await world.runtime().detectionDeps();
  return detectReleases({ ...deps, exchange, options: { ...deps.options, ...extra } });
}

function quarantined(over: Parameters<typeof quarantineRow>[0], header: string): QuarantineRow {
  const row = quarantineRow({ receivedAt: ago(3 * HOUR), ...over });
  world.sim.tenant.quarantine.add(row);
  exchange.serve(row, header);
  return row;
}

const released = (row: QuarantineRow, to: string | undefined, at = ago(2 * HOUR)) =>
  releaseRecord({ NetworkMessageId: nmidOf(row), ReleaseTo: to, UserId: 'secadmin@contoso.com', at });

async function queuedPairs(): Promise<string[]> {
  const queue = new QueueClient(world.azurite.connectionString, QUEUE_NAME);
  if (!(await queue.exists())) return [];
  const jobs: NotificationJob[] = [];
  for (;;) {
    const batch = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 300 });
    if (batch.receivedMessageItems.length === 0) break;
    for (const m of batch.receivedMessageItems) jobs.push(parseJob(decodeMessage(m.messageText)));
  }
  return jobs.flatMap((j) => j.releases.map((r) => `${j.sender} ${ledgerKey(r)}`)).sort();
}

/** The four cases of issue 10, each as the simulated tenant would hold them. */
function arrangeFourCases() {
  // An internal sender's message to an external recipient, held by a mail-flow rule, labelled Inbound.
  const labelledInbound = quarantined(
    {
      SenderAddress: 'alice@contoso.com',
      RecipientAddress: ['bob@fabrikam.example'],
      Direction: 'Inbound',
      Subject: 'Q3 pricing sheet',
    },
    INTERNAL_OUTBOUND,
  );
  // A spoofed internal sender on inbound high-confidence phish, labelled Outbound.
  const spoof = quarantined(
    {
      SenderAddress: 'helpdesk@contoso.com',
      RecipientAddress: ['alice@contoso.com'],
      Direction: 'Outbound',
      Type: 'HighConfPhish',
      QuarantineTypes: 'HighConfPhish',
      PolicyType: 'AntiPhishPolicy',
      Subject: 'Your password expires today',
    },
    INTERNET_SPOOF,
  );
  // An intra-organisation message held by a DLP policy.
  const intraOrg = quarantined(
    {
      SenderAddress: 'carol@contoso.com',
      RecipientAddress: ['dan@contoso.com'],
      Type: 'DataLossPrevention',
      QuarantineTypes: 'DataLossPrevention',
      PolicyType: 'DataLossPrevention',
      Subject: 'Salary bands 2027',
    },
    INTRA_ORG,
  );
  // A copy of grace's message an admin released to their own mailbox.
  const adminCopy = quarantined(
    { SenderAddress: 'grace@contoso.com', RecipientAddress: ['board@northwind.example'], Subject: 'Board deck draft' },
    INTERNAL_OUTBOUND,
  );
  world.sim.audit.publish([
    released(labelledInbound, 'bob@fabrikam.example'),
    released(spoof, 'alice@contoso.com'),
    released(intraOrg, 'dan@contoso.com'),
    released(adminCopy, 'secadmin@contoso.com'),
  ]);
  return { labelledInbound, spoof, intraOrg, adminCopy };
}

describe('telling a sender only when they really sent the message', () => {
  it.each<HeaderMode>(['readable', 'refused'])(
    'decides the four cases right with the header %s, and never fails the run',
    async (mode) => {
      exchange.mode = mode;
      const { labelledInbound, spoof, intraOrg, adminCopy } = arrangeFourCases();
      await world.runtime().snapshot();
      const summary = await detect();

      expect(await queuedPairs()).toEqual([
        `alice@contoso.com ${nmidOf(labelledInbound)}|bob@fabrikam.example`,
        `carol@contoso.com ${nmidOf(intraOrg)}|dan@contoso.com`,
      ]);
      expect(summary.skippedByReason).toEqual({ 'external-origin': 1, 'released-to-non-recipient': 1 });
      // The admin's copy is ruled out before any header is read: one read per message in question, and
      // after a 403 the run stops asking (every read would be refused alike).
      const inQuestion = [labelledInbound, spoof, intraOrg].map((r) => r.Identity);
      if (mode === 'readable') expect(exchange.reads.sort()).toEqual(inQuestion.sort());
      else {
        expect(exchange.reads).toHaveLength(1);
        expect(inQuestion).toContain(exchange.reads[0]);
      }
      expect(summary.originBySource).toEqual(
        mode === 'readable' ? { header: 3, fallback: 0 } : { header: 0, fallback: 3 },
      );
      expect(summary.headerReads).toBe(mode === 'readable' ? 3 : 1);

      const log = world.log.text();
      expect(log).toContain(`skip {"recordId":`);
      expect(log).toContain(
        `"networkMessageId":"${nmidOf(adminCopy)}","releasedTo":"secadmin@contoso.com","reason":"released-to-non-recipient"}`,
      );
      if (mode === 'readable') {
        expect(log).toContain(
          `origin {"networkMessageId":"${nmidOf(spoof)}","verdict":"external","source":"header","rule":"Incoming+AuthAs:Anonymous+DIR:INB+compauth=fail","header":"read"}`,
        );
      } else {
        // The first message asked was refused; the others were not asked again this run.
        expect(log).toMatch(
          new RegExp(
            `origin \\{"networkMessageId":"${nmidOf(spoof)}","verdict":"external","source":"fallback","rule":"filtering-verdict-inside-only","header":"(forbidden|not-tried)"\\}`,
          ),
        );
        expect(log).toMatch(/WARN Get-QuarantineMessageHeader was refused \(403\)/);
      }
      // Header text never reaches a log line.
      expect(log).not.toMatch(/compauth=fail reason|X-MS-Exchange|Received:/);
    },
  );

  it("reads a message's header once, across releases and runs, and keeps the verdict with the message", async () => {
    const row = quarantined(
      { SenderAddress: 'alice@contoso.com', RecipientAddress: ['bob@fabrikam.example', 'eve@fabrikam.example'] },
      INTERNAL_OUTBOUND,
    );
    world.sim.audit.publish([released(row, 'bob@fabrikam.example'), released(row, 'eve@fabrikam.example')]);
    await world.runtime().snapshot();
    const first = await detect();
    expect(first).toMatchObject({ headerReads: 1, originBySource: { header: 2, fallback: 0 }, jobs: 1 });

    // A later release of the same message, in a later run, uses the kept verdict.
    world.sim.audit.publish([released(row, undefined, ago(HOUR))]);
    exchange.mode = 'refused';
    const second = await detect();
    expect(second).toMatchObject({ newReleases: 1, headerReads: 0, originBySource: { header: 1, fallback: 0 } });
    expect(exchange.reads).toEqual([row.Identity]);
  });

  it('tells the sender once per recipient when a record names no ReleaseTo (released to all)', async () => {
    const row = quarantined(
      { SenderAddress: 'alice@contoso.com', RecipientAddress: ['bob@fabrikam.example', 'eve@fabrikam.example'] },
      INTERNAL_OUTBOUND,
    );
    world.sim.audit.publish([released(row, undefined), released(row, 'bob@fabrikam.example')]);
    await world.runtime().snapshot();
    const summary = await detect();
    expect(summary).toMatchObject({ releases: 2, matched: 2, jobs: 1 });
    expect(await queuedPairs()).toEqual([
      `alice@contoso.com ${nmidOf(row)}|bob@fabrikam.example`,
      `alice@contoso.com ${nmidOf(row)}|eve@fabrikam.example`,
    ]);
    expect(await (await world.runtime().detectionDeps()).stores.releases.pending()).toEqual([]);
  });

  it("never reports the notices mailbox's own messages", async () => {
    const bySender = quarantined(
      { SenderAddress: 'quarantine-notices@contoso.com', RecipientAddress: ['bob@fabrikam.example'] },
      INTERNAL_OUTBOUND,
    );
    const byHeader = quarantined(
      { SenderAddress: 'alice@contoso.com', RecipientAddress: ['bob@fabrikam.example'] },
      OWN_NOTICE,
    );
    world.sim.audit.publish([released(bySender, 'bob@fabrikam.example'), released(byHeader, 'bob@fabrikam.example')]);
    await world.runtime().snapshot();
    const summary = await detect();
    expect(summary).toMatchObject({ jobs: 0, skippedByReason: { 'own-notice': 2 } });
    // The sender check needs no header read.
    expect(exchange.reads).toEqual([byHeader.Identity]);
  });

  it('falls back when the copy has left quarantine, and does not count Denied as a release', async () => {
    const gone = quarantined(
      { SenderAddress: 'alice@contoso.com', RecipientAddress: ['bob@fabrikam.example'] },
      INTERNAL_OUTBOUND,
    );
    exchange.headers.clear();
    world.sim.audit.publish([
      released(gone, 'bob@fabrikam.example'),
      releaseRecord({ NetworkMessageId: nmidOf(gone), ReleaseTo: 'bob@fabrikam.example', ResultStatus: 'Denied' }),
    ]);
    await world.runtime().snapshot();
    const summary = await detect();
    expect(summary).toMatchObject({
      releases: 1,
      ignoredByReason: { failed: 1 },
      originBySource: { header: 0, fallback: 1 },
      jobs: 1,
    });
    expect(world.log.text()).toContain('"reason":"failed","resultStatus":"Denied"}');
    expect(world.log.text()).toContain('"source":"fallback","rule":"recipient-outside","header":"not-found"}');
  });

  it('caps header reads per run: the rest wait for the next run instead of guessing', async () => {
    const a = quarantined(
      { SenderAddress: 'alice@contoso.com', RecipientAddress: ['bob@fabrikam.example'] },
      INTERNAL_OUTBOUND,
    );
    const b = quarantined(
      { SenderAddress: 'carol@contoso.com', RecipientAddress: ['dan@fabrikam.example'] },
      INTERNAL_OUTBOUND,
    );
    world.sim.audit.publish([released(a, 'bob@fabrikam.example'), released(b, 'dan@fabrikam.example')]);
    await world.runtime().snapshot();
    expect(await detect({ maxHeaderReads: 1 })).toMatchObject({ headerReads: 1, pending: 1, jobs: 1 });
    expect(await detect({ maxHeaderReads: 1 })).toMatchObject({ headerReads: 1, pending: 0, jobs: 1 });
    expect(await queuedPairs()).toHaveLength(2);
  });
});

describe('hybrid and connector-routed senders, and a spoof of the own domain, on the simulator’s own headers', () => {
  /** A row held in the simulated tenant whose header is the simulator's shape for `origin`. */
  function held(over: Parameters<typeof quarantineRow>[0], origin: 'hybrid' | 'connector' | 'spoof'): QuarantineRow {
    const row = quarantineRow({ receivedAt: ago(3 * HOUR), ...over });
    world.sim.tenant.quarantine.add(row, { origin });
    const header = world.sim.tenant.quarantine.header(row.Identity);
    if (header === undefined) throw new Error('the simulator has no header for the row');
    exchange.serve(row, header);
    return row;
  }
  const phish = { Type: 'Phish', QuarantineTypes: 'Phish', PolicyType: 'AntiPhishPolicy' };

  it.each<HeaderMode>(['readable', 'refused'])(
    'tells the hybrid and the connector-routed sender, never the spoof (header %s)',
    async (mode) => {
      exchange.mode = mode;
      // An on-premises user's mail to a colleague, over the hybrid connector, held as phish by mistake.
      const hybrid = held(
        { SenderAddress: 'leo@contoso.com', RecipientAddress: ['carol@contoso.com'], Direction: 'Inbound', ...phish },
        'hybrid',
      );
      // Outbound mail routed through the organisation's own hop, held by DLP.
      const routed = held(
        {
          SenderAddress: 'mia@contoso.com',
          RecipientAddress: ['orders@tailspin.example'],
          Type: 'DataLossPrevention',
          QuarantineTypes: 'DataLossPrevention',
          PolicyType: 'DataLossPrevention',
        },
        'connector',
      );
      // Internet phish claiming the tenant's domain, labelled Outbound.
      const spoof = held(
        {
          SenderAddress: 'payroll@contoso.com',
          RecipientAddress: ['alice@contoso.com'],
          Direction: 'Outbound',
          Type: 'HighConfPhish',
          QuarantineTypes: 'HighConfPhish',
          PolicyType: 'AntiPhishPolicy',
        },
        'spoof',
      );
      world.sim.audit.publish([
        released(hybrid, 'carol@contoso.com'),
        released(routed, 'orders@tailspin.example'),
        released(spoof, 'alice@contoso.com'),
      ]);
      await world.runtime().snapshot();
      const summary = await detect();

      const told = await queuedPairs();
      // The spoof is refused either way: by Exchange's stamps, or by the fallback (phish addressed inside only).
      expect(told.some((p) => p.startsWith('payroll@'))).toBe(false);
      expect(told).toContain(`mia@contoso.com ${nmidOf(routed)}|orders@tailspin.example`);
      const log = world.log.text();
      if (mode === 'readable') {
        // Only the header can tell the hybrid sender: the fallback refuses phish addressed inside only.
        expect(told).toEqual([
          `leo@contoso.com ${nmidOf(hybrid)}|carol@contoso.com`,
          `mia@contoso.com ${nmidOf(routed)}|orders@tailspin.example`,
        ]);
        expect(summary.originBySource).toEqual({ header: 3, fallback: 0 });
        // The rule codes stay in the log.
        expect(log).toContain(
          `"networkMessageId":"${nmidOf(hybrid)}","verdict":"internal","source":"header","rule":"hybrid:`,
        );
        expect(log).toContain(
          `"networkMessageId":"${nmidOf(routed)}","verdict":"internal","source":"header","rule":"connector:`,
        );
        expect(log).toMatch(
          new RegExp(
            `"networkMessageId":"${nmidOf(spoof)}","verdict":"external","source":"header","rule":"Incoming\\+AuthAs:Anonymous`,
          ),
        );
      } else {
        expect(told).toEqual([`mia@contoso.com ${nmidOf(routed)}|orders@tailspin.example`]);
        expect(summary.originBySource).toEqual({ header: 0, fallback: 3 });
      }
      expect(summary.skippedByReason).toMatchObject({ 'external-origin': mode === 'readable' ? 1 : 2 });
    },
  );
});
