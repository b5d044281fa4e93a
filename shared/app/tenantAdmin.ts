/**
 * What `npm run tenants` runs on (tenants/manageTenants.ts): the deployment's Tenants table, its storage
 * account, and each tenant's own health state, read from its own NotifierState without signing in there.
 */
import type { Env } from '../config/settings';
import { HealthMonitor } from '../health/monitor';
import type { Logger } from '../log/logger';
import { TableStateStore } from '../store/stateStore';
import { StorageTables, TABLES } from '../store/tables';
import { StorageTenantTables } from '../store/tenantTables';
import type { ListDeps, OpenProblem, RemoveDeps, TenantRegistry } from '../tenants/manageTenants';
import { Deployment } from './deployment';

export class TenantAdmin {
  readonly deployment: Deployment;

  constructor(
    readonly env: Env,
    readonly log: Logger,
  ) {
    this.deployment = new Deployment(env, log);
  }

  get homeTenantId(): string {
    return this.deployment.homeTenantId;
  }

  registry(): Promise<TenantRegistry> {
    return this.deployment.registry();
  }

  async removeDeps(): Promise<RemoveDeps> {
    const home = this.deployment.home;
    return {
      registry: await this.registry(),
      tables: StorageTenantTables.of(home.settings.storage, home.storageCredential),
      homeTenantId: this.homeTenantId,
      forget: async (tenantId) => (await this.deployment.tenantHealth()).remove(tenantId),
    };
  }

  listDeps(): ListDeps {
    return {
      tenants: () => this.deployment.tenants(),
      openProblems: (prefix) => this.openProblems(prefix),
      homeTenantId: this.homeTenantId,
      homeMailbox: this.deployment.home.settings.notifySenderMailbox,
    };
  }

  /** Its open problems, from its own NotifierState (a tenant that never ran has none, and no table is created). */
  private async openProblems(prefix: string): Promise<OpenProblem[]> {
    const home = this.deployment.home;
    const tables = new StorageTables(home.settings.storage, home.storageCredential, prefix);
    const monitor = new HealthMonitor({
      state: new TableStateStore(tables.table(TABLES.state)),
      send: undefined,
      afterMinutes: home.settings.health.afterMinutes,
      log: this.log,
      clock: home.clock,
    });
    return (await monitor.states())
      .filter((s) => s.status === 'open')
      .map((s) => ({ problem: s.problem, since: s.since, reason: s.reason }));
  }
}
