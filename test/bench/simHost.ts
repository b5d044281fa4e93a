/**
 * The Microsoft 365 simulator in a process of its own, driven by the benchmark over IPC. Keeping the
 * simulated tenant (tens of thousands of quarantine rows, sent mail, recorded requests) out of the
 * benchmark's process keeps the product's memory figures clean.
 */
import { M365Simulator } from '../../simulator';
import { NETWORK_MESSAGE_IDS_HEADER } from '../../shared/email/compose';
import type { SimCommand, SimReplies, SimRequestEnvelope, SimResponseEnvelope, SentMailDigest } from './simProtocol';
import { massPlans, massReleaseRecords, planMessages, rowsOf } from './workload';

async function main(): Promise<void> {
  if (!process.send) throw new Error('simHost must be started with an IPC channel (child_process.fork)');
  const sim = await M365Simulator.start();

  const handle = async (command: SimCommand): Promise<SimReplies[SimCommand['op']]> => {
    switch (command.op) {
      case 'settings':
        return { settings: sim.settings(), caCertPath: sim.caCertPath };
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
