/**
 * The command line as an admin meets it on day one: `npm run doctor`, `npm run once` and
 * `npm run told`, built and run in their own processes from a folder with (or without) a
 * local.settings.json, reading nothing but their settings.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TABLES } from '../../shared/store/tables';
import { TableNotificationLedger } from '../../shared/store/notificationLedger';
import { quarantineRow } from '../../simulator/fixtures';
import { builtCommandLine } from '../support/cli';
import { World } from '../support/world';

const HOUR = 3_600_000;

const world = World.forSuite();
const { run } = builtCommandLine('qrn-cli-e2e');

function folderWith(localSettings: string): string {
  const cwd = mkdtempSync(join(tmpdir(), 'qrn-cli-'));
  writeFileSync(join(cwd, 'local.settings.json'), localSettings);
  return cwd;
}

const TRAILING_COMMA =
  '{\n  "IsEncrypted": false,\n  "Values": {\n    "M365_TENANT_ID": "00000000-0000-0000-0000-000000000001",\n  }\n}\n';

describe('a broken local.settings.json (a trailing comma)', () => {
  it('doctor: one clean line and the JSON summary, never a stack trace', async () => {
    const doctor = await run('doctor', {}, { cwd: folderWith(TRAILING_COMMA) });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toEqual([
      expect.stringMatching(
        /^FAIL {2}local\.settings\.json {2}local\.settings\.json is not valid \(.*JSON.*\): fix it \(a trailing comma/,
      ),
    ]);
    expect(doctor.summary).toEqual({ command: 'doctor', ok: false, checks: 1, failed: 1, skipped: 0, warnings: 0 });
    expect(doctor.stderr).not.toMatch(/^\s+at /m);
  }, 30_000);

  it('once: the same one line', async () => {
    const once = await run('once', {}, { cwd: folderWith(TRAILING_COMMA) });
    expect(once.code).toBe(1);
    expect(once.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^once failed: local\.settings\.json is not valid \(.*\): fix it/),
    ]);
    expect(once.summary).toMatchObject({ command: 'once', ok: false });
  }, 30_000);
});

describe('npm run doctor with nothing set', () => {
  it('names every missing setting in one run and skips the checks that need them', async () => {
    // An app registration without its secret: sign-in is said once, and nothing reaches the network.
    const doctor = await run('doctor', {
      AZURE_TENANT_ID: '00000000-0000-0000-0000-000000000001',
      AZURE_CLIENT_ID: '00000000-0000-0000-0000-0000000000c1',
    });
    expect(doctor.code).toBe(1);
    const fails = doctor.stdout.filter((l) => l.startsWith('FAIL')).map((l) => l.split(/ {2,}/)[1]);
    expect(fails).toEqual([
      'setting M365_TENANT_ID',
      'setting AzureWebJobsStorage',
      'setting NOTIFY_SENDER_MAILBOX',
      'credentials',
    ]);
    expect(doctor.stdout.filter((l) => l.startsWith('ok'))).toEqual([]);
    expect(doctor.stdout).toContainEqual(expect.stringMatching(/^skip {2}storage +needs AzureWebJobsStorage$/));
    expect(doctor.stdout).toContainEqual(
      expect.stringMatching(/^skip {2}token for Exchange Online +needs AZURE_CLIENT_SECRET$/),
    );
    // The alert settings are fine (alerts are off: a warning) and the health check waits for storage.
    expect(doctor.summary).toEqual({ command: 'doctor', ok: false, checks: 17, failed: 4, skipped: 12, warnings: 1 });
  }, 30_000);
});

describe('storage that cannot be reached', () => {
  it('once names Table Storage, the setting, the endpoint and the fix', async () => {
    const unreachable =
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1';
    const once = await run('once', world.env({ AzureWebJobsStorage: unreachable }));
    expect(once.code).toBe(1);
    expect(once.stderr.trim().split('\n').pop()).toMatch(
      /^once failed: Table Storage at http:\/\/127\.0\.0\.1:9\/devstoreaccount1 \(setting AzureWebJobsStorage\) cannot be reached \(.*ECONNREFUSED.*\): check the account name and endpoint/,
    );
  }, 60_000);
});

describe('npm run told', () => {
  it('lists what was told, newest first: sender, subject, message, released to, when and how; JSON summary last', async () => {
    // One real cycle that mails alice, then a dry run about carol.
    const alice = quarantineRow({
      receivedAt: new Date(Date.now() - 3 * HOUR),
      SenderAddress: 'alice@contoso.com',
      Subject: 'Q3 pricing sheet',
      RecipientAddress: ['bob@fabrikam.example'],
    });
    world.sim.tenant.quarantine.add(alice);
    world.sim.audit.publish(
      world.sim.tenant.quarantine.release(alice.Identity, undefined, { at: new Date(Date.now() - HOUR) }),
    );
    const real = world.runtime({ NOTIFY_MAX_PER_MINUTE: '600' });
    await real.snapshot();
    await real.detect();
    await real.drainNotifications({ retryAfterSeconds: 0 });
    expect(world.sim.sentMail).toHaveLength(1);

    const carol = quarantineRow({
      receivedAt: new Date(Date.now() - 2 * HOUR),
      SenderAddress: 'carol@contoso.com',
      Subject: 'Card \u001b[31mnumbers',
      RecipientAddress: ['dan@fabrikam.example'],
    });
    world.sim.tenant.quarantine.add(carol);
    world.sim.audit.publish(
      world.sim.tenant.quarantine.release(carol.Identity, undefined, { at: new Date(Date.now() - HOUR / 2) }),
    );
    const dry = world.runtime({ NOTIFY_DRY_RUN: 'true', NOTIFY_MAX_PER_MINUTE: '600' });
    await dry.snapshot();
    await dry.detect();
    await dry.drainNotifications({ retryAfterSeconds: 0 });
    expect(world.sim.sentMail).toHaveLength(1);

    // A row whose message has left the snapshot: told, but the sender is no longer known.
    const ledger = new TableNotificationLedger(await real.tables.readyTable(TABLES.ledger), real.clock);
    const key = { scope: '11111111-2222-4333-8444-555555555555', item: 'erin@fabrikam.example' };
    const claim = await ledger.claim(key, { jobId: 'j', deliveryId: 'd' });
    if (claim.kind !== 'claimed') throw new Error('expected a claim');
    await ledger.markSent(key, { jobId: 'j', deliveryId: 'd' }, claim.etag, 'sent-items');

    // Only storage is needed to read the ledger.
    const told = await run(
      'told',
      { AzureWebJobsStorage: world.azurite.connectionString },
      { args: ['--since', '1d'] },
    );
    expect(told.code).toBe(0);
    const nmid = (row: typeof alice) => row.Identity.split('\\')[0].toLowerCase();
    expect(told.stdout).toEqual([
      expect.stringMatching(
        /^\d{4}-\d\d-\d\d \d\d:\d\d UTC {2}sent \(found in Sent Items after a lost answer\): sender unknown \(no longer in the snapshot\) about message 11111111-2222-4333-8444-555555555555, released to erin@fabrikam\.example$/,
      ),
      expect.stringMatching(
        new RegExp(
          `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC {2}dry run \\(nobody was mailed\\): carol@contoso\\.com about message ${nmid(carol)} "Card  \\[31mnumbers", released to dan@fabrikam\\.example \\(seen in: both\\); sent by a user of your organisation$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC {2}sent \\(Graph accepted it\\): alice@contoso\\.com about message ${nmid(alice)} "Q3 pricing sheet", released to bob@fabrikam\\.example \\(seen in: both\\); sent by a user of your organisation$`,
        ),
      ),
    ]);
    expect(told.summary).toMatchObject({
      command: 'told',
      ok: true,
      told: 3,
      dryRun: 1,
      byHow: { accepted: 1, 'dry-run': 1, 'sent-items': 1 },
      byEvent: { released: 3 },
      // Both releases were in the audit feed and the listing; the third row's message is in neither store.
      bySource: { both: 2, unknown: 1 },
      senders: 2,
      senderUnknown: 1,
    });

    // A --since beyond anything the ledger could hold is refused in one line, not read as "everything".
    const none = await run(
      'told',
      { AzureWebJobsStorage: world.azurite.connectionString },
      { args: ['--since=2020-01-01'] },
    );
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^told failed: --since takes a period such as 7d/m);
  }, 90_000);
});
