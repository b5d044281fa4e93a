import { randomUUID } from 'node:crypto';
import { loadSettings, requireSenderMailbox, type Env, type Settings } from '../config/settings';
import { composeNotification } from '../email/compose';
import { makeJob } from '../jobs/notificationJob';
import { Runtime } from '../app/runtime';
import { listAcceptedDomains, readQuarantineMessageHeader, type HeaderRead } from '../exchange/quarantineSource';
import { parseQuarantineRow } from '../exchange/quarantineRow';
import { parseMessageHeader } from '../detect/messageHeader';
import { originFromHeader } from '../detect/origin';
import { isAcceptedDomain } from '../detect/decide';
import type { Logger } from '../log/logger';
import { messageOf } from '../log/errors';

export interface CheckResult {
  name: string;
  ok: boolean;
  /** Passed, but the product runs in a degraded way until this is fixed (never fails the doctor run). */
  warning?: boolean;
  /** What was found when it passed, or the exact fix when it failed. */
  detail: string;
}

const FALLBACK_TEXT =
  'meanwhile the fallback decides origin (sender domain accepted, and a recipient outside the accepted domains or a policy hold, ' +
  'and no filtering verdict on mail addressed only inside)';

/** What the header check says about one read; a warning for anything but a readable header. */
export function describeHeaderRead(read: HeaderRead): { warning: boolean; detail: string } {
  switch (read.kind) {
    case 'header': {
      const origin = originFromHeader(parseMessageHeader(read.text));
      return { warning: false, detail: `headers are readable; origin is decided from them (the copy tried: ${origin.verdict}, ${origin.rule})` };
    }
    case 'forbidden':
      return {
        warning: true,
        detail:
          "Get-QuarantineMessageHeader was refused (403): the app's directory role does not allow it. Microsoft does not document which role does; " +
          'the candidates are Security Reader, Security Administrator and the Email & collaboration role group Quarantine Administrator ' +
          `(assign one to the app's service principal; it can take an hour to apply). Until then ${FALLBACK_TEXT}.`,
      };
    case 'not-found':
      return { warning: true, detail: `the copy tried has left quarantine (400), so whether headers are readable is not known yet: run the doctor again later; ${FALLBACK_TEXT} where a header cannot be read.` };
    case 'failed':
      return { warning: true, detail: `Get-QuarantineMessageHeader did not answer usefully (${read.why}); ${FALLBACK_TEXT} where a header cannot be read.` };
  }
}

export interface DoctorOptions {
  /** Sends one real test notification to this address when given. */
  sendTestTo?: string;
}

/**
 * Sends one notification as a sender would get it, about an invented release, straight through
 * Graph: it proves Mail.Send for the mailbox and shows the email, and touches no ledger.
 */
export async function sendTestNotification(runtime: Runtime, to: string): Promise<string> {
  const mailbox = requireSenderMailbox(runtime.settings);
  const now = new Date();
  const job = makeJob(to, [
    {
      networkMessageId: randomUUID(),
      subject: 'Test notification from quarantine-release-notifier',
      receivedAt: new Date(now.getTime() - 3_600_000).toISOString(),
      recipients: ['someone@fabrikam.example'],
      releasedTo: 'someone@fabrikam.example',
      releasedBy: 'npm run doctor',
      releasedAt: now.toISOString(),
      quarantineType: 'TransportRule',
      policyName: 'This is a test: nothing was really held',
    },
  ]);
  const email = composeNotification(job, runtime.settings.template);
  const marker = `qrn-doctor-${randomUUID()}`;
  const answer = await runtime.mailer.send(mailbox, email, { saveToSentItems: runtime.settings.notifySaveToSentItems, marker });
  if (answer.outcome === 'refused') throw new Error(answer.reason);
  if (answer.outcome === 'unknown') throw new Error(`The test notification's outcome is unknown (${answer.reason}): look in ${mailbox}'s Sent Items and ${to}'s inbox.`);
  return `${mailbox} sent a test notification to ${to} (Graph accepted it; delivery can take a minute)`;
}

function message(error: unknown): string {
  return messageOf(error);
}

/**
 * Checks everything the product needs, in the order an admin would fix it: settings, sign-in,
 * then each Microsoft 365 permission. Later checks that depend on a failed one are still run,
 * so one pass lists every missing piece.
 */
export async function runDoctor(env: Env, log: Logger, options: DoctorOptions = {}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const check = async (name: string, run: () => Promise<string>): Promise<boolean> => {
    try {
      results.push({ name, ok: true, detail: await run() });
      return true;
    } catch (error) {
      results.push({ name, ok: false, detail: message(error) });
      return false;
    }
  };

  let settings: Settings | undefined;
  await check('settings', async () => {
    settings = loadSettings(env);
    return `tenant ${settings.tenantId}; Exchange ${settings.exchangeEndpoint}; Management ${settings.managementEndpoint}; Graph ${settings.graphEndpoint}`;
  });
  if (!settings) return results;
  const runtime = new Runtime(settings, log);

  await check('storage', async () => {
    await runtime.state();
    return settings?.storage.kind === 'identity' ? `reached ${settings.storage.tableUrl} with the app's identity` : 'reached the storage account';
  });
  for (const [resource, endpoint] of [
    ['Exchange Online', settings.exchangeEndpoint],
    ['Office 365 Management APIs', settings.managementEndpoint],
    ['Microsoft Graph', settings.graphEndpoint],
  ] as const) {
    await check(`token for ${resource}`, async () => {
      await runtime.token(endpoint)();
      return `signed in for ${new URL(endpoint).origin}/.default`;
    });
  }
  await check('read quarantine (Get-QuarantineMessage)', async () => {
    const result = await runtime.exchange.invoke('Get-QuarantineMessage', { Page: 1, PageSize: 1 });
    return `Exchange.ManageAsApp and a directory role are in place (${result.rows.length} row read)`;
  });
  // Never fails the doctor: without headers the product still works, with the fallback.
  try {
    const probe = await runtime.exchange.invoke('Get-QuarantineMessage', { Page: 1, PageSize: 1 });
    const parsed = probe.rows.length > 0 ? parseQuarantineRow(probe.rows[0]) : undefined;
    const result =
      parsed?.ok === true
        ? describeHeaderRead(await readQuarantineMessageHeader(runtime.exchange, `${parsed.message.networkMessageId}\\${parsed.message.copyId}`))
        : { warning: true, detail: `no quarantined message to read a header from, so whether headers are readable is not known yet; ${FALLBACK_TEXT} where a header cannot be read.` };
    results.push({ name: 'message headers (Get-QuarantineMessageHeader)', ok: true, ...result });
  } catch (error) {
    results.push({ name: 'message headers (Get-QuarantineMessageHeader)', ok: true, warning: true, detail: `not checked (${message(error)}); ${FALLBACK_TEXT} where a header cannot be read.` });
  }
  let domains: string[] = [];
  await check('accepted domains (Get-AcceptedDomain)', async () => {
    domains = await listAcceptedDomains(runtime.exchange);
    if (domains.length === 0) throw new Error('Get-AcceptedDomain returned no domains: senders cannot be told apart from external ones.');
    return domains.join(', ');
  });
  await check('audit feed (Audit.General subscription)', async () => {
    const state = await runtime.auditFeed.ensureSubscription();
    return state === 'started' ? 'subscription started now (first content can take up to 12 hours)' : 'subscription enabled; ActivityFeed.Read is in place';
  });
  await check('sender mailbox', async () => {
    const mailbox = settings?.notifySenderMailbox;
    if (!mailbox) throw new Error('Setting NOTIFY_SENDER_MAILBOX is missing: set it to the mailbox notifications are sent from, such as quarantine-notices@contoso.com.');
    if (domains.length > 0 && !isAcceptedDomain(mailbox, domains)) {
      throw new Error(`NOTIFY_SENDER_MAILBOX ${mailbox} is not in one of the tenant's accepted domains (${domains.join(', ')}).`);
    }
    if (!options.sendTestTo) return `${mailbox} (Mail.Send is proven only by sending: run npm run doctor -- --send-test-to you@yourdomain)`;
    return sendTestNotification(runtime, options.sendTestTo);
  });
  await check('sent items (exactly once after a lost answer)', async () => {
    const mailbox = settings?.notifySenderMailbox;
    if (!mailbox) throw new Error('needs NOTIFY_SENDER_MAILBOX');
    if (!settings?.notifySaveToSentItems) {
      throw new Error('NOTIFY_SAVE_TO_SENT_ITEMS is false: a send whose answer was lost is sent again unchecked (at-least-once). Set it to true.');
    }
    const found = await runtime.mailer.findSent(mailbox, `qrn-doctor-${randomUUID()}`);
    if (found === 'cannotRead') {
      throw new Error(
        `The app cannot read the Sent Items of ${mailbox}, so a send whose answer was lost is sent again unchecked (at-least-once). ` +
          `Grant it: New-ManagementRoleAssignment -App <service principal> -Role 'Application Mail.Read' -CustomResourceScope <the scope used for Mail.Send> ` +
          '(infra/grant-permissions.ps1 does this; changes take up to an hour).',
      );
    }
    return `the app can look up its notifications in the Sent Items of ${mailbox} (Application Mail.Read)`;
  });
  return results;
}

export function formatResults(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  return results.map((r) => `${!r.ok ? 'FAIL' : r.warning ? 'warn' : 'ok  '}  ${r.name.padEnd(width)}  ${r.detail}`).join('\n');
}
