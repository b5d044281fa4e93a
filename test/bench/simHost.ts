/**
 * The Microsoft 365 simulator in a process of its own, driven by the benchmark over IPC. Keeping the
 * simulated tenant (tens of thousands of quarantine rows, sent mail, recorded requests) out of the
 * benchmark's process keeps the product's memory figures clean.
 */
import { M365Simulator, type SentMail } from '../../simulator';
import { NETWORK_MESSAGE_IDS_HEADER } from '../../shared/email/compose';
import type {
  BenchTenant,
  SimCommand,
  SimReplies,
  SimRequestEnvelope,
  SimResponseEnvelope,
  SentMailDigest,
  TenantMailCheck,
  TenantRequestCounts,
} from './simProtocol';
import { massPlans, massReleaseRecords, planMessages, prng, releaseRecords, rowsOf, seededGuid } from './workload';

/** A notice the planted releases call for: the released outbound message's tenant and sender. */
interface ExpectedNotice {
  tenantId: string;
  mailbox: string;
  sender: string;
}

function headerIds(mail: SentMail): string[] {
  const value =
    mail.message.internetMessageHeaders?.find((h) => h.name.toLowerCase() === NETWORK_MESSAGE_IDS_HEADER)?.value ?? '';
  return value
    .split(',')
    .map((id) => id.trim().toLowerCase())
    .filter((id) => id !== '');
}

/** Each accepted email against the expected notices: exactly once, in its own tenant, to the message's sender. */
function checkTenantMail(sim: M365Simulator, expected: ReadonlyMap<string, ExpectedNotice>): TenantMailCheck {
  const accepted = new Map<string, number>();
  let emails = 0;
  let crossTenant = 0;
  let unexpected = 0;
  const lastAtMs: Record<string, number> = {};
  for (const world of sim.allWorlds) {
    for (const mail of world.sentMail) {
      emails++;
      lastAtMs[world.tenantId] = Math.max(lastAtMs[world.tenantId] ?? 0, mail.at.getTime());
      const ids = headerIds(mail);
      const to = (mail.message.toRecipients ?? []).map((r) => r.emailAddress.address.toLowerCase());
      if (!ids.some((id) => expected.has(id))) unexpected++;
      for (const id of ids) {
        const want = expected.get(id);
        if (!want) continue;
        const own =
          world.tenantId === want.tenantId &&
          mail.mailbox.toLowerCase() === want.mailbox &&
          to.includes(want.sender.toLowerCase());
        if (own) accepted.set(id, (accepted.get(id) ?? 0) + 1);
        else crossTenant++;
      }
    }
  }
  const perTenantOnce: Record<string, number> = {};
  let exactlyOnce = 0;
  let missing = 0;
  let duplicated = 0;
  for (const [id, want] of expected) {
    const count = accepted.get(id) ?? 0;
    if (count === 1) {
      exactlyOnce++;
      perTenantOnce[want.tenantId] = (perTenantOnce[want.tenantId] ?? 0) + 1;
    } else if (count === 0) missing++;
    else duplicated++;
  }
  return {
    emails,
    expected: expected.size,
    exactlyOnce,
    missing,
    duplicated,
    crossTenant,
    unexpected,
    perTenantOnce,
    lastAtMs,
  };
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('simHost must be started with an IPC channel (child_process.fork)');
  const sim = await M365Simulator.start();
  let expectedNotices = new Map<string, ExpectedNotice>();

  const handle = async (command: SimCommand): Promise<SimReplies[SimCommand['op']]> => {
    switch (command.op) {
      case 'settings':
        return { settings: sim.settings(), caCertPath: sim.caCertPath, multiTenantAppId: sim.multiTenantApp.clientId };
      case 'plant': {
        const rows = rowsOf(planMessages(command.rowCount, command.seed, command.nowMs));
        // QuarantineStore.add checks each Identity against every stored row (quadratic); the
        // workload's identities are unique by construction, so the rows go into the live list.
        const live = sim.tenant.quarantine.rows;
        live.length = 0;
        for (const row of rows) live.push(row);
        return { rows: live.length };
      }
      case 'clearQuarantine':
        sim.tenant.quarantine.clear();
        return null;
      case 'latency':
        sim.latencyMs = { ...command.latency };
        return null;
      case 'publish': {
        const now = Date.now();
        command.blobs.forEach((records, i) => {
          sim.audit.publish(records, { contentCreated: new Date(now - command.ageMs + i * 1000) });
        });
        return { blobs: command.blobs.length, records: command.blobs.reduce((sum, b) => sum + b.length, 0) };
      }
      case 'publishMass': {
        const records = massReleaseRecords(
          massPlans(command.messages, command.recipients, command.seed, command.nowMs),
          command.nowMs,
        );
        const now = Date.now();
        let blobs = 0;
        for (let i = 0; i < records.length; i += command.blobSize) {
          sim.audit.publish(records.slice(i, i + command.blobSize), {
            contentCreated: new Date(now - command.ageMs + blobs * 1000),
          });
          blobs++;
        }
        return { blobs, records: records.length };
      }
      case 'fault':
        sim.faults.add({
          service: command.service,
          status: command.status,
          retryAfterSeconds: command.retryAfterSeconds,
          times: command.times,
        });
        return null;
      case 'faultsPending':
        return sim.faults.pending;
      case 'sentMail':
        return sim.sentMail.map((mail): SentMailDigest => ({
          atMs: mail.at.getTime(),
          mailbox: mail.mailbox,
          to: (mail.message.toRecipients ?? []).map((r) => r.emailAddress.address).join(','),
          ids:
            mail.message.internetMessageHeaders?.find((h) => h.name.toLowerCase() === NETWORK_MESSAGE_IDS_HEADER)
              ?.value ?? '',
        }));
      case 'clearObserved':
        sim.sentMail.length = 0;
        sim.requests.length = 0;
        sim.faults.clear();
        sim.audit.blobs.length = 0;
        return null;
      case 'requestCounts': {
        const counts: Record<string, number> = {};
        for (const r of sim.requests) {
          const key = `${r.service} ${r.status}`;
          counts[key] = (counts[key] ?? 0) + 1;
        }
        return counts;
      }
      case 'memory':
        return process.memoryUsage();
      case 'tenants': {
        sim.reset();
        sim.latencyMs = { exchange: 10, management: 0, graph: 10 };
        expectedNotices = new Map();
        const ids = prng(command.seed);
        const tenants: BenchTenant[] = [];
        let rows = 0;
        let releases = 0;
        for (let i = 0; i < command.count; i++) {
          const tenantId = seededGuid(ids);
          const domain = `tenant${String(i).padStart(3, '0')}.example.com`;
          const world = sim.addTenant({ tenantId, domain });
          const mailbox = `quarantine-notices@${domain}`;
          const plans = planMessages(command.rows, command.seed + 1 + i, command.nowMs, domain);
          // Unique identities by construction: straight into the live list (QuarantineStore.add is quadratic).
          const live = world.tenant.quarantine.rows;
          for (const row of rowsOf(plans)) live.push(row);
          rows += live.length;
          const { records } = releaseRecords(
            plans,
            command.releases,
            command.seed + 1 + i,
            command.nowMs,
            `secadmin@${domain}`,
          );
          world.audit.publish(
            records.map((r) => ({ ...r, OrganizationId: tenantId })),
            { contentCreated: new Date(Date.now() - command.ageMs) },
          );
          releases += records.length;
          const outbound = new Map(plans.filter((p) => p.outbound).map((p) => [p.networkMessageId.toLowerCase(), p]));
          let expected = 0;
          for (const record of records) {
            const plan = outbound.get(String(record.NetworkMessageId).toLowerCase());
            if (!plan) continue;
            expectedNotices.set(plan.networkMessageId.toLowerCase(), { tenantId, mailbox, sender: plan.sender });
            expected++;
          }
          tenants.push({ tenantId, domain, mailbox, expectedNotices: expected });
        }
        return { tenants, rows, releases };
      }
      case 'clearTenantsObserved':
        for (const world of sim.allWorlds) world.sentMail.length = 0;
        sim.requests.length = 0;
        return null;
      case 'takeTenantRequests': {
        const counts: Record<string, TenantRequestCounts> = {};
        for (const r of sim.requests) {
          const key = r.tenantId ?? 'none';
          const c = (counts[key] ??= { authority: 0, exchange: 0, management: 0, graph: 0, failed: 0 });
          c[r.service]++;
          if (r.status < 200 || r.status > 299) c.failed++;
        }
        sim.requests.length = 0;
        return counts;
      }
      case 'tenantMail':
        return checkTenantMail(sim, expectedNotices);
      case 'stop':
        await sim.stop();
        return null;
    }
  };

  process.on('message', (message: SimRequestEnvelope) => {
    handle(message.command).then(
      (result) => {
        const reply: SimResponseEnvelope = { id: message.id, ok: true, result };
        process.send?.(reply);
        if (message.command.op === 'stop') process.disconnect();
      },
      (error: unknown) => {
        const reply: SimResponseEnvelope = {
          id: message.id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        };
        process.send?.(reply);
      },
    );
  });
  process.send({ id: 0, ok: true, result: 'ready' } satisfies SimResponseEnvelope);
}

main().catch((error: unknown) => {
  process.stderr.write(`simHost: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
