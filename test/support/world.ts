import { TableServiceClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import { Runtime } from '../../shared/app/runtime';
import { loadSettings } from '../../shared/config/settings';
import { MemoryLogger } from '../../shared/log/logger';
import { M365Simulator } from '../../simulator';
import { startAzurite, type Azurite } from './azurite';

/**
 * The product wired to Azurite and the simulated tenant through nothing but its ordinary settings,
 * exactly as an admin would point it at a real tenant.
 */
export class World {
  readonly log = new MemoryLogger();
  azurite!: Azurite;
  sim!: M365Simulator;

  static async start(): Promise<World> {
    const world = new World();
    await world.open();
    return world;
  }

  /** One World for a test file: started before its tests, reset before each (unless told not to), stopped after. */
  static forSuite(options: { resetEachTest?: boolean } = {}): World {
    const world = new World();
    beforeAll(() => world.open(), 60_000);
    afterAll(() => world.stop());
    if (options.resetEachTest ?? true) beforeEach(() => world.reset());
    return world;
  }

  private async open(): Promise<void> {
    [this.azurite, this.sim] = await Promise.all([startAzurite(), M365Simulator.start()]);
    // @azure/identity's EnvironmentCredential reads AZURE_* from the process environment.
    Object.assign(process.env, this.sim.settings());
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...this.sim.settings(),
      AzureWebJobsStorage: this.azurite.connectionString,
      NOTIFY_SENDER_MAILBOX: 'quarantine-notices@contoso.com',
      NOTIFY_RELEASES_SINCE: '2020-01-01T00:00:00Z',
      ...extra,
    };
  }

  runtime(extra: Record<string, string> = {}): Runtime {
    return new Runtime(loadSettings(this.env(extra)), this.log);
  }

  /** Empties storage and the simulated tenant between tests. */
  async reset(): Promise<void> {
    this.sim.reset();
    this.log.lines.length = 0;
    const tables = TableServiceClient.fromConnectionString(this.azurite.connectionString, {
      allowInsecureConnection: true,
    });
    for await (const table of tables.listTables()) if (table.name) await tables.deleteTable(table.name);
    const queues = QueueServiceClient.fromConnectionString(this.azurite.connectionString);
    for await (const queue of queues.listQueues()) await queues.deleteQueue(queue.name);
  }

  async stop(): Promise<void> {
    await Promise.all([this.azurite?.stop(), this.sim?.stop()]);
  }
}
