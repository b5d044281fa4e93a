/**
 * Runs the Microsoft 365 simulator on its own (npm run simulator): prints the settings that point
 * the product at it as JSON, and stays up until Ctrl+C. Start the product in another shell with
 * those settings and NODE_EXTRA_CA_CERTS set to the printed caCertPath.
 */
import { M365Simulator } from './index';

async function main(): Promise<void> {
  const sim = await M365Simulator.start({ tenantId: process.env.M365_TENANT_ID || undefined });
  process.stdout.write(`${JSON.stringify({ ...sim.settings(), NODE_EXTRA_CA_CERTS: sim.caCertPath }, null, 2)}\n`);
  process.stderr.write('Microsoft 365 simulator running. Ctrl+C to stop.\n');

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    sim.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`simulator: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`simulator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
