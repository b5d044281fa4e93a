import { randomUUID } from 'node:crypto';
import { checkSettings, isGuid, requireSenderMailbox, type Env, type Settings } from '../config/settings';
import { composeNotification } from '../email/compose';
import { makeJob } from '../jobs/notificationJob';
import { storyCheck } from '../story/storyDoctor';
import { Runtime } from '../app/runtime';
import { listAcceptedDomains, readQuarantineMessageHeader, type HeaderRead } from '../exchange/quarantineSource';
import { parseQuarantineRow } from '../exchange/quarantineRow';
import { parseMessageHeader } from '../detect/messageHeader';
import { originFromHeader } from '../detect/origin';
import { isAcceptedDomain } from '../detect/decide';
import type { Logger } from '../log/logger';
import { storageCredential } from '../auth/credential';
import { QUEUE_NAME } from '../jobs/delivery';
import { queueClient } from '../queue/storageQueue';
import { lazyStorageClient, storageEndpoint } from '../store/storageErrors';
import { messageOf } from '../log/errors';

export interface CheckResult {
  name: string;
  ok: boolean;
  /** Passed, but the product runs in a degraded way until this is fixed (never fails the doctor run). */
  warning?: boolean;
  /** Not run, because something it needs failed above (ok is false; `detail` says what it needs). */
  skipped?: boolean;
  /** What was found when it passed, the exact fix when it failed, or what it needs when skipped. */
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
      return {
        warning: false,
        detail: `headers are readable; origin is decided from them (the copy tried: ${origin.verdict}, ${origin.rule})`,
      };
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
      return {
        warning: true,
        detail: `the copy tried has left quarantine (400), so whether headers are readable is not known yet: run the doctor again later; ${FALLBACK_TEXT} where a header cannot be read.`,
      };
    case 'failed':
      return {
        warning: true,
        detail: `Get-QuarantineMessageHeader did not answer usefully (${read.why}); ${FALLBACK_TEXT} where a header cannot be read.`,
      };
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
  const answer = await runtime.mailer.send(mailbox, email, {
    saveToSentItems: runtime.settings.notifySaveToSentItems,
    marker,
  });
  if (answer.outcome === 'refused') throw new Error(answer.reason);
  if (answer.outcome === 'unknown')
    throw new Error(
      `The test notification's outcome is unknown (${answer.reason}): look in ${mailbox}'s Sent Items and ${to}'s inbox.`,
    );
  return `${mailbox} sent a test notification to ${to} (Graph accepted it; delivery can take a minute)`;
}

function message(error: unknown): string {
  return messageOf(error);
}

/** The variables @azure/identity's EnvironmentCredential reads for an app registration (a secret or a certificate). */
type CredentialVariable =
  'AZURE_TENANT_ID' | 'AZURE_CLIENT_ID' | 'AZURE_CLIENT_SECRET' | 'AZURE_CLIENT_CERTIFICATE_PATH';

/** How the app will sign in, or which credential variables are missing: said once, before any token is asked for. */
export function describeCredentials(
  env: Env,
  m365TenantId: string | undefined,
): { ok: boolean; warning?: boolean; missing: string[]; detail: string } {
  const value = (name: CredentialVariable): string | undefined => env[name]?.trim() || undefined;
  const tenant = value('AZURE_TENANT_ID');
  const client = value('AZURE_CLIENT_ID');
  const proof = value('AZURE_CLIENT_SECRET') ?? value('AZURE_CLIENT_CERTIFICATE_PATH');
  if (!tenant && !proof) {
    return {
      ok: true,
      missing: [],
      detail: client
        ? `the user-assigned managed identity ${client} (AZURE_CLIENT_ID) in Azure; elsewhere set AZURE_TENANT_ID and AZURE_CLIENT_SECRET too`
        : 'no app registration set: the managed identity in Azure, or your own az login elsewhere (set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET to sign in as the app)',
    };
  }
  const missing = [
    ...(tenant ? [] : ['AZURE_TENANT_ID']),
    ...(client ? [] : ['AZURE_CLIENT_ID']),
    ...(proof ? [] : ['AZURE_CLIENT_SECRET']),
  ];
  if (missing.length > 0) {
    return {
      ok: false,
      missing,
      detail:
        `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: signing in as an app registration needs AZURE_TENANT_ID, AZURE_CLIENT_ID and ` +
        'AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH) together; in Azure leave them unset and the managed identity signs in.',
    };
  }
  if (!isGuid(tenant ?? '') || !isGuid(client ?? '')) {
    const bad = !isGuid(tenant ?? '') ? 'AZURE_TENANT_ID' : 'AZURE_CLIENT_ID';
    return {
      ok: false,
      missing: [bad],
      detail: `${bad} is not a GUID: copy the Directory (tenant) ID and Application (client) ID from the app registration's Overview page.`,
    };
  }
  if (m365TenantId && tenant?.toLowerCase() !== m365TenantId.toLowerCase()) {
    return {
      ok: true,
      warning: true,
      missing: [],
      detail: `the app signs in to tenant ${tenant} (AZURE_TENANT_ID) but M365_TENANT_ID is ${m365TenantId}: Microsoft 365 refuses tokens of another tenant unless the app is consented there.`,
    };
  }
  return {
    ok: true,
    missing: [],
    detail: `app registration ${client} in tenant ${tenant}, with a ${value('AZURE_CLIENT_SECRET') ? 'client secret' : 'certificate'}`,
  };
}

/** "needs A, B and C" */
function needsText(needs: readonly string[]): string {
  return needs.length <= 1
    ? `needs ${needs.join('')}`
    : `needs ${needs.slice(0, -1).join(', ')} and ${needs[needs.length - 1]}`;
}

/**
 * Checks everything the product needs, in the order an admin would fix it: settings (all of them at
 * once), storage, sign-in, then each Microsoft 365 permission. A check whose prerequisite failed is
 * reported as skipped with what it needs, so each problem is said once and one pass lists them all.
 */
export async function runDoctor(env: Env, log: Logger, options: DoctorOptions = {}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  /** Runs a check unless something it needs is missing; true when it passed. */
  const check = async (name: string, needs: readonly string[], run: () => Promise<string>): Promise<boolean> => {
    if (needs.length > 0) {
      results.push({ name, ok: false, skipped: true, detail: needsText([...new Set(needs)]) });
      return false;
    }
    try {
      results.push({ name, ok: true, detail: await run() });
      return true;
    } catch (error) {
      results.push({ name, ok: false, detail: message(error) });
      return false;
    }
  };

  const report = checkSettings(env, { requireSenderMailbox: true });
  const broken = (...names: string[]): string[] =>
    [...new Set(report.problems.map((p) => p.setting ?? 'settings'))].filter((s) =>
      names.some((n) => s === n || s.startsWith(`${n}__`)),
    );
  for (const problem of report.problems)
    results.push({ name: `setting ${problem.setting ?? ''}`.trim(), ok: false, detail: problem.message });
  const settings: Settings = report.draft;
  if (report.problems.length === 0) {
    results.push({
      name: 'settings',
      ok: true,
      detail:
        `tenant ${settings.tenantId}; sender ${settings.notifySenderMailbox ?? ''}; Exchange ${settings.exchangeEndpoint}; Management ${settings.managementEndpoint}; Graph ${settings.graphEndpoint}` +
        (settings.notifyDryRun ? '; NOTIFY_DRY_RUN is true: nothing is sent' : ''),
    });
  }
  // [story] Which events senders are told, and how long a listing-only release waits (issue 22).
  if (report.problems.length === 0) results.push(storyCheck(settings.story));
  // The draft stands in for broken settings; every check that reads one of them is skipped below.
  const runtime = new Runtime(settings, log);

  const storageOk = await check('storage', broken('AzureWebJobsStorage'), async () => {
    await runtime.state();
    // The queue too: with identity-based storage its role is granted apart from the tables' one.
    const queue = lazyStorageClient(
      () => queueClient(settings.storage, QUEUE_NAME, () => storageCredential(settings.storage)),
      settings.storage,
      'Queue Storage',
    );
    await queue.createIfNotExists();
    const how = settings.storage.kind === 'identity' ? " with the app's identity" : '';
    return `reached Table Storage at ${storageEndpoint(settings.storage, 'Table Storage')} and Queue Storage at ${storageEndpoint(settings.storage, 'Queue Storage')}${how}`;
  });

  const credentials = describeCredentials(env, broken('M365_TENANT_ID').length === 0 ? settings.tenantId : undefined);
  results.push({
    name: 'credentials',
    ok: credentials.ok,
    ...(credentials.warning ? { warning: true } : {}),
    detail: credentials.detail,
  });
  const signIn = [...credentials.missing, ...broken('AZURE_AUTHORITY_HOST')];

  const tokens = new Map<string, boolean>();
  let signInFailed: string | undefined;
  for (const [resource, setting, endpoint] of [
    ['Exchange Online', 'EXCHANGE_ENDPOINT', settings.exchangeEndpoint],
    ['Office 365 Management APIs', 'MANAGEMENT_ENDPOINT', settings.managementEndpoint],
    ['Microsoft Graph', 'GRAPH_ENDPOINT', settings.graphEndpoint],
  ] as const) {
    const name = `token for ${resource}`;
    // One failed sign-in fails them all the same way: said once, the others wait for it.
    const needs = [...signIn, ...broken(setting), ...(signInFailed ? [`a working sign-in (see ${signInFailed})`] : [])];
    const ok = await check(name, needs, async () => {
      await runtime.token(endpoint)();
      return `signed in for ${new URL(endpoint).origin}/.default`;
    });
    tokens.set(resource, ok);
    if (!ok && needs.length === 0) signInFailed = name;
  }
  const tenant = broken('M365_TENANT_ID');
  const exchange = [...tenant, ...(tokens.get('Exchange Online') ? [] : ['a token for Exchange Online'])];
  const readQuarantine = 'read quarantine (Get-QuarantineMessage)';
  const canRead = await check(readQuarantine, exchange, async () => {
    const result = await runtime.exchange.invoke('Get-QuarantineMessage', { Page: 1, PageSize: 1 });
    return `Exchange.ManageAsApp and a directory role are in place (${result.rows.length} row read)`;
  });
  // Needs what reading quarantine needs, and the same grant: a refusal there is said once, there.
  const afterRead = canRead ? [] : exchange.length > 0 ? exchange : [`${readQuarantine} to pass`];
  const headers = 'message headers (Get-QuarantineMessageHeader)';
  if (afterRead.length > 0) {
    results.push({
      name: headers,
      ok: false,
      skipped: true,
      detail: `${needsText(afterRead)}; ${FALLBACK_TEXT} where a header cannot be read.`,
    });
  } else {
    // Never fails the doctor: without headers the product still works, with the fallback.
    try {
      const probe = await runtime.exchange.invoke('Get-QuarantineMessage', { Page: 1, PageSize: 1 });
      const parsed = probe.rows.length > 0 ? parseQuarantineRow(probe.rows[0]) : undefined;
      const result =
        parsed?.ok === true
          ? describeHeaderRead(
              await readQuarantineMessageHeader(
                runtime.exchange,
                `${parsed.message.networkMessageId}\\${parsed.message.copyId}`,
              ),
            )
          : {
              warning: true,
              detail: `no quarantined message to read a header from, so whether headers are readable is not known yet; ${FALLBACK_TEXT} where a header cannot be read.`,
            };
      results.push({ name: headers, ok: true, ...result });
    } catch (error) {
      results.push({
        name: headers,
        ok: true,
        warning: true,
        detail: `not checked (${message(error)}); ${FALLBACK_TEXT} where a header cannot be read.`,
      });
    }
  }
  let domains: string[] = [];
  await check('accepted domains (Get-AcceptedDomain)', afterRead, async () => {
    domains = await listAcceptedDomains(runtime.exchange);
    if (domains.length === 0)
      throw new Error('Get-AcceptedDomain returned no domains: senders cannot be told apart from external ones.');
    return domains.join(', ');
  });
  await check(
    'audit feed (Audit.General subscription)',
    [...tenant, ...(tokens.get('Office 365 Management APIs') ? [] : ['a token for Office 365 Management APIs'])],
    async () => {
      const state = await runtime.auditFeed.ensureSubscription();
      return state === 'started'
        ? 'subscription started now (first content can take up to 12 hours)'
        : 'subscription enabled; ActivityFeed.Read is in place';
    },
  );
  const mailbox = settings.notifySenderMailbox;
  const graph = tokens.get('Microsoft Graph') ? [] : ['a token for Microsoft Graph'];
  const needsMailbox = mailbox ? [] : ['NOTIFY_SENDER_MAILBOX'];
  await check('sender mailbox', [...needsMailbox, ...(options.sendTestTo ? graph : [])], async () => {
    const address = mailbox ?? '';
    if (domains.length > 0 && !isAcceptedDomain(address, domains)) {
      throw new Error(
        `NOTIFY_SENDER_MAILBOX ${address} is not in one of the tenant's accepted domains (${domains.join(', ')}).`,
      );
    }
    if (!options.sendTestTo)
      return `${address} (Mail.Send is proven only by sending: run npm run doctor -- --send-test-to you@yourdomain)`;
    return sendTestNotification(runtime, options.sendTestTo);
  });
  await check(
    'sent items (exactly once after a lost answer)',
    [...needsMailbox, ...broken('NOTIFY_SAVE_TO_SENT_ITEMS'), ...graph],
    async () => {
      const address = mailbox ?? '';
      if (!settings.notifySaveToSentItems) {
        throw new Error(
          'NOTIFY_SAVE_TO_SENT_ITEMS is false: a send whose answer was lost is sent again unchecked (at-least-once). Set it to true.',
        );
      }
      const found = await runtime.mailer.findSent(address, `qrn-doctor-${randomUUID()}`);
      if (found === 'cannotRead') {
        throw new Error(
          `The app cannot read the Sent Items of ${address}, so a send whose answer was lost is sent again unchecked (at-least-once). ` +
            `Grant it: New-ManagementRoleAssignment -App <service principal> -Role 'Application Mail.Read' -CustomResourceScope <the scope used for Mail.Send> ` +
            '(infra/grant-permissions.ps1 does this; changes take up to an hour).',
        );
      }
      return `the app can look up its notifications in the Sent Items of ${address} (Application Mail.Read)`;
    },
  );
  const alerts = settings.alerts;
  if (
    broken(
      'ALERT_RECIPIENTS',
      'ALERT_RISKY_TYPES',
      'ALERT_BURST_RELEASES',
      'ALERT_RELEASED_TO_OTHER',
      'HEALTH_RECIPIENTS',
      'HEALTH_ALERT_AFTER_MINUTES',
    ).length === 0
  ) {
    const rules = [
      alerts.riskyTypes.length > 0 ? `risky-type (${alerts.riskyTypes.join(', ')})` : '',
      alerts.burstReleases > 0
        ? `burst (more than ${alerts.burstReleases} releases by one account within 60 minutes)`
        : '',
      alerts.releasedToOther ? 'released-to-other' : '',
    ].filter(Boolean);
    const health =
      settings.health.recipients.length > 0
        ? `health emails to ${settings.health.recipients.join(', ')} after ${settings.health.afterMinutes} minutes`
        : 'no health emails (HEALTH_RECIPIENTS and ALERT_RECIPIENTS are empty, or HEALTH_RECIPIENTS is off)';
    results.push(
      alerts.recipients.length > 0
        ? {
            name: 'alerts and health emails',
            ok: true,
            detail: `alerts to ${alerts.recipients.join(', ')}: ${rules.join('; ') || 'every rule is off'}; ${health}`,
          }
        : {
            name: 'alerts and health emails',
            ok: true,
            warning: true,
            detail: `alerts are off (ALERT_RECIPIENTS is empty): releases of malware or phish reach nobody; ${health}`,
          },
    );
  }
  await check(
    'health (problems the product has seen)',
    storageOk ? [] : ['working storage (see storage)'],
    async () => {
      const open = (await (await runtime.health()).states()).filter((s) => s.status === 'open');
      if (open.length === 0) return 'no open problems';
      throw new Error(
        `${open.length} open: ${open.map((p) => `${p.problem} since ${p.since} (${p.count} run${p.count === 1 ? '' : 's'}): ${p.reason}`).join(' | ')}`,
      );
    },
  );
  return results;
}

/** The doctor's JSON summary line: counts by outcome; ok only when nothing failed or was skipped. */
export function summarize(results: readonly CheckResult[]): {
  command: 'doctor';
  ok: boolean;
  checks: number;
  failed: number;
  skipped: number;
  warnings: number;
} {
  const failed = results.filter((r) => !r.ok && !r.skipped).length;
  const skipped = results.filter((r) => r.skipped).length;
  const warnings = results.filter((r) => r.ok && r.warning).length;
  return { command: 'doctor', ok: failed === 0 && skipped === 0, checks: results.length, failed, skipped, warnings };
}

export function formatResults(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  return results
    .map(
      (r) =>
        `${r.skipped ? 'skip' : !r.ok ? 'FAIL' : r.warning ? 'warn' : 'ok  '}  ${r.name.padEnd(width)}  ${r.detail}`,
    )
    .join('\n');
}
