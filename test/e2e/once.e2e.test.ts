/**
 * `npm run once` end to end: the built command-line program, in its own process, pointed at Azurite
 * and the simulated tenant through nothing but environment settings, as an admin would run it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { quarantineRecord, quarantineRow, releaseRecord, SYSTEM_RELEASE_USER } from '../../simulator/fixtures';
import type { QuarantineRow } from '../../simulator/tenant';
import { World } from '../support/world';

const ROOT = resolve(__dirname, '../..');
const ONCE = join(ROOT, 'dist/shared/cli/once.js');
const HOUR = 3_600_000;
const ago = (ms: number): Date => new Date(Date.now() - ms);

const cwd = mkdtempSync(join(tmpdir(), 'qrn-once-'));
const world = World.forSuite();
beforeAll(() => {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')], {
    stdio: 'inherit',
  });
}, 120_000);

interface Run {
  code: number | null;
  stderr: string;
  summary: Record<string, unknown> & { ok: boolean };
}

function once(extra: Record<string, string> = {}): Promise<Run> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? cwd,
    NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '',
    ...world.env(extra),
  };
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [ONCE], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        done({ code, stderr, summary: JSON.parse(last) as Run['summary'] });
      } catch {
        fail(new Error(`last stdout line is not JSON: ${last}\n${stderr}`));
      }
    });
  });
}

function plant(over: Parameters<typeof quarantineRow>[0]): QuarantineRow {
  const row = quarantineRow({ receivedAt: ago(3 * HOUR), ...over });
  world.sim.tenant.quarantine.add(row);
  return row;
}
const nmid = (row: QuarantineRow): string => row.Identity.split('\\')[0].toLowerCase();
const released = (row: QuarantineRow, by = 'secadmin@contoso.com') =>
  world.sim.tenant.quarantine.release(row.Identity, undefined, { by, at: ago(HOUR) });

describe('npm run once', () => {
  it('emails each internal sender once with the right facts, nobody else, and nothing on the second run', async () => {
    const alice = plant({
      SenderAddress: 'alice@contoso.com',
      RecipientAddress: ['bob@fabrikam.example', 'eve@fabrikam.example'],
      Subject: 'Q3 pricing sheet',
    });
    const carol = plant({
      SenderAddress: 'carol@contoso.com',
      Subject: 'Card numbers',
      Type: 'DataLossPrevention',
      QuarantineTypes: 'DataLossPrevention',
      PolicyName: 'Block card numbers',
    });
    const hostile = plant({
      SenderAddress: 'alice@contoso.com',
      Subject: '<img src=x onerror=alert(1)> Invoice\r\nBcc: victim@contoso.com',
      PolicyName: '"><script>alert(2)</script>',
      RecipientAddress: ['x@fabrikam.example'],
    });
    // A recipient (and so a ReleaseTo) with a line break is no mailbox: that release is not trusted, nobody is mailed about it.
    const crlf = plant({ SenderAddress: 'frank@contoso.com', RecipientAddress: ['x@fabrikam.example\r\nX-Evil: 1'] });
    const inbound = plant({
      SenderAddress: 'mallory@fabrikam.example',
      RecipientAddress: ['alice@contoso.com'],
      Direction: 'Inbound',
      Type: 'Phish',
      QuarantineTypes: 'Phish',
    });
    const failedOne = plant({ SenderAddress: 'dave@contoso.com' });
    world.sim.audit.publish([
      ...released(alice),
      ...released(carol, SYSTEM_RELEASE_USER),
      ...released(hostile),
      ...released(crlf),
      ...released(inbound),
      releaseRecord({
        NetworkMessageId: nmid(failedOne),
        ReleaseTo: 'bob@fabrikam.example',
        ResultStatus: 'Failed',
        at: ago(HOUR),
      }),
      quarantineRecord('QuarantinePreviewMessage', { NetworkMessageId: nmid(failedOne) }),
    ]);

    const first = await once();
    expect(first.code).toBe(0);
    expect(first.summary).toMatchObject({ command: 'once', ok: true, send: { failed: 0, poisoned: 0 } });
    const mail = world.sim.sentMail;
    // One notice per released message: alice sent two.
    expect(
      mail
        .map((m) => (m.message.toRecipients ?? []).map((r) => r.emailAddress.address))
        .flat()
        .sort(),
    ).toEqual(['alice@contoso.com', 'alice@contoso.com', 'carol@contoso.com']);
    // Saved to Sent Items (the default): that is where a send whose answer was lost is found again.
    expect(mail.every((m) => m.mailbox === 'quarantine-notices@contoso.com' && m.saveToSentItems === true)).toBe(true);

    const toAlice = mail.filter((m) => m.message.toRecipients?.[0].emailAddress.address === 'alice@contoso.com');
    const ids = toAlice
      .map((m) => m.message.internetMessageHeaders?.find((h) => h.name === 'x-qrn-network-message-ids')?.value)
      .sort();
    expect(ids).toEqual([nmid(alice), nmid(hostile)].sort());
    // Addresses carry <wbr> wrap points (and so are never autolinked): read them without.
    const html = toAlice
      .map((m) => m.message.body?.content ?? '')
      .join('\n')
      .replace(/<wbr>/g, '');
    expect(html).toContain('Q3 pricing sheet');
    expect(html).toContain('bob@fabrikam.example');
    expect(html).toContain('eve@fabrikam.example');
    expect(html).toContain('secadmin@contoso.com');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<img|<script/i);
    for (const m of mail) {
      expect(m.message.subject).not.toMatch(/[\r\n]/);
      for (const h of m.message.internetMessageHeaders ?? []) expect(`${h.name}: ${h.value}`).not.toMatch(/[\r\n]/);
    }
    const toCarol = mail.find((m) => m.message.toRecipients?.[0].emailAddress.address === 'carol@contoso.com');
    expect(toCarol?.message.subject).toBe('Your message "Card numbers" was released from quarantine');
    expect(toCarol?.message.body?.content).toContain('Microsoft 365 (automatic release)');

    const second = await once();
    expect(second.code).toBe(0);
    expect(second.summary).toMatchObject({ ok: true, detect: { jobs: 0 }, send: { sent: 0 } });
    expect(world.sim.sentMail).toHaveLength(3);
  }, 60_000);

  it('rides out a Graph 429 storm and still sends exactly once', async () => {
    const row = plant({ SenderAddress: 'alice@contoso.com' });
    world.sim.audit.publish(released(row));
    world.sim.faults.add({ service: 'graph', status: 429, retryAfterSeconds: 1, times: 3 });
    const run = await once();
    expect(run.code).toBe(0);
    expect(world.sim.sentMail).toHaveLength(1);
    expect(world.sim.requests.filter((r) => r.service === 'graph' && r.status === 429)).toHaveLength(3);
  }, 60_000);

  it('exits non-zero and keeps the job when Mail.Send is not granted for the mailbox, naming the fix', async () => {
    const row = plant({ SenderAddress: 'alice@contoso.com' });
    world.sim.audit.publish(released(row));
    world.sim.grants.mailSend = ['someone-else@contoso.com'];
    const run = await once();
    expect(run.code).toBe(1);
    expect(run.summary.ok).toBe(false);
    expect(run.stderr).toMatch(/Mail\.Send/);
    expect(run.stderr).toMatch(/quarantine-notices@contoso\.com/);
    expect(world.sim.sentMail).toHaveLength(0);
  }, 60_000);

  it('stops with one line naming a bad setting', async () => {
    const run = await once({ M365_TENANT_ID: 'contoso.com' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      'once failed: Setting M365_TENANT_ID is invalid (got "contoso.com"): expected the tenant GUID, such as 00000000-0000-0000-0000-000000000001.',
    ]);
  }, 30_000);
});
