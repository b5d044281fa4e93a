import { toldArguments, formatTold, parseSince, storageSettings, summarizeTold, type ToldRow } from './toldReport';
import { runCommand } from './main';
import { describeOrigin } from '../email/originWords';
import { forEachLimited } from '../store/tables';
import { releaseSource, splitNoticeItem } from './toldSource';

/** At most this many ledger rows are read: a month of a busy tenant, and a bound on the memory a listing takes. */
const MAX_ROWS = 50_000;

/** `npm run told [-- --since 7d] [-- --tenant ID]`: what was told, newest first, then the JSON summary. */
void runCommand(
  'told',
  async (runtime, { args }) => {
    const since = parseSince(toldArguments(args).since, runtime.clock.now());
    const ledger = await runtime.notificationLedger();
    const rows: ToldRow[] = [];
    let truncated = false;
    for await (const told of ledger.toldSince(since)) {
      if (rows.length >= MAX_ROWS) {
        truncated = true;
        break;
      }
      const { event, recipient } = splitNoticeItem(told.item);
      rows.push({
        networkMessageId: told.scope,
        releasedTo: recipient,
        event,
        toldAt: told.entry.sentAt,
        toldBy: told.toldBy,
        dryRun: told.entry.dryRun,
        sender: undefined,
        subject: undefined,
      });
    }
    // Sender and subject from the snapshot, one lookup per message, while it still keeps the message.
    const snapshot = await runtime.snapshotStore();
    const ids = [...new Set(rows.map((r) => r.networkMessageId))];
    const found = new Map<string, { sender: string; subject: string }>();
    await forEachLimited(ids, 8, async (id) => {
      const copies = await snapshot.findByNetworkMessageId(id);
      const copy = copies.find((c) => c.senderAddress !== '');
      if (copy) found.set(id, { sender: copy.senderAddress, subject: copy.subject });
    });
    // Where each message came from, in words, from the verdict detection kept (30 days); the rule code is not shown.
    const origins = await runtime.messageOriginStore();
    const cameFrom = new Map<string, string>();
    await forEachLimited(ids, 8, async (id) => {
      const origin = await origins.get(id);
      if (origin)
        cameFrom.set(id, describeOrigin(origin, { sender: found.get(id)?.sender ?? '', acceptedDomains: [] }));
    });
    for (const row of rows)
      Object.assign(row, found.get(row.networkMessageId) ?? {}, { origin: cameFrom.get(row.networkMessageId) });
    // [story] Which source saw each release: the release store's rows of its message (kept 10 days once settled).
    const releases = await runtime.releaseStore();
    const stored = new Map<string, Awaited<ReturnType<typeof releases.ofMessage>>>();
    await forEachLimited(ids, 8, async (id) => {
      stored.set(id, await releases.ofMessage(id));
    });
    for (const row of rows)
      if (row.event === 'released') row.source = releaseSource(stored.get(row.networkMessageId) ?? [], row.releasedTo);
    for (const line of formatTold(rows)) process.stdout.write(`${line}\n`);
    if (rows.length === 0)
      process.stderr.write(`told: nothing told since ${since.toISOString()} (the ledger keeps 30 days)\n`);
    if (truncated)
      process.stderr.write(`told: only the first ${MAX_ROWS} notifications are shown: use a shorter --since\n`);
    return { ...summarizeTold(rows, since), ...(truncated ? { truncated: true } : {}) };
  },
  storageSettings,
);
