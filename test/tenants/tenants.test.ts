/**
 * Many tenants, the pure parts: a tenant's record and settings, its turn at a stage, the lease that keeps
 * two runs of one stage for one tenant apart, and what `npm run tenants` stores and deletes.
 */
import { SettingsError } from '../../shared/config/settings';
import { ConcurrentUpdateError, type StateStore, type Versioned } from '../../shared/domain/state';
import {
  addTenant,
  listTenants,
  overridesOf,
  removalPlan,
  removeTenant,
  setTenantEnabled,
  tenantToStore,
  TenantNotFoundError,
  type AddRequest,
  type TenantRegistry,
  type TenantTables,
} from '../../shared/tenants/manageTenants';
import { StageLease } from '../../shared/tenants/stageLease';
import {
  TENANT_SETTING_NAMES,
  tenantIdOf,
  tenantNameOf,
  TenantRecordError,
  tenantSettingsOf,
  type TenantRecord,
} from '../../shared/tenants/tenantRecord';
import { isStale, MalformedTenantRunError, parseTenantRun } from '../../shared/tenants/tenantRun';
import { tablePrefixFor, tenantEnv, tenantSettings, tenantSettingsProblems } from '../../shared/tenants/tenantSettings';

const HOME = '00000000-0000-0000-0000-000000000001';
const FABRIKAM = '3f2a6b1c-0d4e-4f5a-8b6c-7d8e9f0a1b9c';
const NORTHWIND = '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d';
const base = {
  M365_TENANT_ID: HOME,
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  NOTIFY_SENDER_MAILBOX: 'notices@contoso.com',
  ALERT_RECIPIENTS: 'soc@provider.example',
  MULTI_TENANT_APP_ID: '11111111-2222-3333-4444-555555555555',
};
const NOW = new Date('2026-12-04T10:00:00Z');

function record(tenantId: string, extra: Partial<TenantRecord> = {}): TenantRecord {
  return { tenantId, name: 'Fabrikam', disabled: false, settings: {}, addedAt: '2026-12-01T00:00:00.000Z', ...extra };
}

describe('a tenant record', () => {
  it('keys a tenant by its lower-case GUID and refuses anything else, naming what it got', () => {
    expect(tenantIdOf(' 3F2A6B1C-0D4E-4F5A-8B6C-7D8E9F0A1B9C ')).toBe(FABRIKAM);
    expect(() => tenantIdOf('fabrikam.com')).toThrow(TenantRecordError);
    expect(() => tenantIdOf('fabrikam.com')).toThrow(/"fabrikam.com" is not a tenant id/);
    expect(() => tenantIdOf(42)).toThrow(TenantRecordError);
  });

  it('accepts only the settings a tenant may set, as texts', () => {
    expect(tenantSettingsOf({ NOTIFY_TIME_ZONE: 'Europe/Paris' })).toEqual({ NOTIFY_TIME_ZONE: 'Europe/Paris' });
    expect(tenantSettingsOf(undefined)).toEqual({});
    expect(() => tenantSettingsOf({ AzureWebJobsStorage: 'x' })).toThrow(/cannot be set per tenant/);
    expect(() => tenantSettingsOf({ EXCHANGE_ENDPOINT: 'https://evil.example' })).toThrow(TenantRecordError);
    expect(() => tenantSettingsOf({ NOTIFY_TIME_ZONE: 3 })).toThrow(/expected a text/);
    expect(() => tenantSettingsOf({ NOTIFY_INTRO: 'x'.repeat(2_001) })).toThrow(/at most 2000/);
    expect(() => tenantSettingsOf(['NOTIFY_TIME_ZONE'])).toThrow(/not an object/);
  });

  it('shows a name on one printable line, bounded, or the id when there is none', () => {
    expect(tenantNameOf('Fabri\u001b[31mkam\r\nInc\u202e', FABRIKAM)).toBe('Fabri [31mkam  Inc');
    expect(tenantNameOf('   ', FABRIKAM)).toBe(FABRIKAM);
    expect(tenantNameOf(undefined, FABRIKAM)).toBe(FABRIKAM);
    expect(tenantNameOf('x'.repeat(500), FABRIKAM)).toHaveLength(100);
  });
});

describe("a tenant's settings", () => {
  it("are the deployment's with the tenant's id and its own on top; a customer never inherits the provider's mailbox", () => {
    const customer = record(FABRIKAM, { settings: { NOTIFY_TIME_ZONE: 'Europe/Paris' } });
    const env = tenantEnv(base, customer, HOME);
    expect(env).toMatchObject({
      M365_TENANT_ID: FABRIKAM,
      NOTIFY_TIME_ZONE: 'Europe/Paris',
      ALERT_RECIPIENTS: 'soc@provider.example',
    });
    expect(env.NOTIFY_SENDER_MAILBOX).toBeUndefined();
    expect(tenantEnv(base, record(HOME), HOME).NOTIFY_SENDER_MAILBOX).toBe('notices@contoso.com');
    // The provider's go-live day and the words its own users read stay the provider's.
    const provider = { ...base, NOTIFY_RELEASES_SINCE: '2026-01-01T00:00:00Z', NOTIFY_INTRO: 'Contoso IT says:' };
    expect(tenantEnv(provider, customer, HOME)).toMatchObject({
      NOTIFY_RELEASES_SINCE: undefined,
      NOTIFY_INTRO: undefined,
    });
    expect(tenantEnv(provider, record(HOME), HOME)).toMatchObject({ NOTIFY_RELEASES_SINCE: '2026-01-01T00:00:00Z' });
    expect(
      tenantEnv(provider, record(FABRIKAM, { settings: { NOTIFY_INTRO: 'Fabrikam IT:' } }), HOME).NOTIFY_INTRO,
    ).toBe('Fabrikam IT:');
    const settings = tenantSettings(
      base,
      record(FABRIKAM, { settings: { NOTIFY_SENDER_MAILBOX: 'n@fabrikam.com' } }),
      HOME,
    );
    expect(settings.tenantId).toBe(FABRIKAM);
    expect(settings.notifySenderMailbox).toBe('n@fabrikam.com');
    expect(settings.alerts.recipients).toEqual(['soc@provider.example']);
  });

  it('name the tenant in their first problem, and list every problem for add', () => {
    const bad = record(FABRIKAM, {
      name: 'Fabrikam',
      settings: { NOTIFY_TIME_ZONE: 'Mars/Olympus', NOTIFY_MAX_PER_MINUTE: 'lots' },
    });
    expect(() => tenantSettings(base, bad, HOME)).toThrow(SettingsError);
    expect(() => tenantSettings(base, bad, HOME)).toThrow(
      new RegExp(`^Tenant Fabrikam \\(${FABRIKAM}\\): .*NOTIFY_TIME_ZONE`),
    );
    const problems = tenantSettingsProblems(base, bad, HOME);
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/NOTIFY_TIME_ZONE[\s\S]*NOTIFY_MAX_PER_MINUTE/);
  });

  it("keep the home tenant's table names and give each customer its own prefix", () => {
    expect(tablePrefixFor(HOME, HOME)).toBe('');
    expect(tablePrefixFor(FABRIKAM, HOME)).toBe('T3f2a6b1c0d4e4f5a8b6c7d8e9f0a1b9c');
  });
});

describe("a tenant's turn at a stage", () => {
  const run = { tenant: FABRIKAM, stage: 'detect', firedAt: '2026-12-04T10:00:00Z' };

  it('is read from text or parsed JSON, its id lower-cased and its time normalised', () => {
    const expected = { tenant: FABRIKAM, stage: 'detect', firedAt: '2026-12-04T10:00:00.000Z' };
    expect(parseTenantRun(JSON.stringify({ ...run, tenant: FABRIKAM.toUpperCase() }))).toEqual(expected);
    expect(parseTenantRun(run)).toEqual(expected);
  });

  it.each([
    ['not JSON', '{tenant', /not valid JSON/],
    ['an array', '[]', /not a JSON object/],
    ['no tenant', JSON.stringify({ ...run, tenant: 'fabrikam' }), /names no tenant id/],
    ['an unknown stage', JSON.stringify({ ...run, stage: 'send' }), /stage is not one of snapshot, detect, report/],
    ['no time', JSON.stringify({ ...run, firedAt: 'yesterday' }), /no firedAt time/],
  ])('refuses %s with its own error', (_what, body, message) => {
    expect(() => parseTenantRun(body)).toThrow(MalformedTenantRunError);
    expect(() => parseTenantRun(body)).toThrow(message);
  });

  it('is stale once its tick is older than the limit', () => {
    const parsed = parseTenantRun(run);
    expect(isStale(parsed, new Date('2026-12-04T12:59:59Z'), 3 * 3_600_000)).toBe(false);
    expect(isStale(parsed, new Date('2026-12-04T13:00:01Z'), 3 * 3_600_000)).toBe(true);
  });
});

/** A StateStore in memory with ETags, as Table Storage keeps them. */
class MemoryState implements StateStore {
  readonly rows = new Map<string, { value: string; etag: string }>();
  private version = 0;
  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const row = this.rows.get(key);
    return row ? { value: JSON.parse(row.value) as T, etag: row.etag } : undefined;
  }
  async put<T>(key: string, value: T, etag: string | undefined): Promise<string> {
    const row = this.rows.get(key);
    if (etag === undefined ? row !== undefined : row?.etag !== etag) throw new ConcurrentUpdateError(key);
    const next = `e${++this.version}`;
    this.rows.set(key, { value: JSON.stringify(value), etag: next });
    return next;
  }
}

describe('the stage lease', () => {
  const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

  it('lets one run of a stage in at a time; another stage or an expired lease is free', async () => {
    const state = new MemoryState();
    const a = new StageLease(state, 'instance-a');
    const b = new StageLease(state, 'instance-b');
    expect(await a.acquire('detect', at(0), 11 * 60_000)).toBe(true);
    expect(await b.acquire('detect', at(5), 11 * 60_000)).toBe(false);
    expect(await b.acquire('snapshot', at(5), 11 * 60_000)).toBe(true);
    // The holder dies without releasing: the lease expires, never held for good.
    expect(await b.acquire('detect', at(12), 11 * 60_000)).toBe(true);
    expect(await a.acquire('detect', at(13), 11 * 60_000)).toBe(false);
  });

  it('is free again once released, and a release by someone else leaves it alone', async () => {
    const state = new MemoryState();
    const a = new StageLease(state, 'instance-a');
    const b = new StageLease(state, 'instance-b');
    expect(await a.acquire('report', at(0), 60_000 * 11)).toBe(true);
    await b.release('report');
    expect(await b.acquire('report', at(1), 60_000 * 11)).toBe(false);
    await a.release('report');
    expect(await b.acquire('report', at(1), 60_000 * 11)).toBe(true);
  });

  it('lets exactly one of two racing instances win (the ETag decides)', async () => {
    const state = new MemoryState();
    const leases = ['a', 'b', 'c'].map((holder) => new StageLease(state, holder));
    const won = await Promise.all(leases.map((l) => l.acquire('detect', at(0), 60_000)));
    expect(won.filter(Boolean)).toHaveLength(1);
  });
});

/** The Tenants table in memory. */
class MemoryRegistry implements TenantRegistry {
  readonly rows = new Map<string, TenantRecord>();
  async list(): Promise<TenantRecord[]> {
    return [...this.rows.values()];
  }
  async get(tenantId: string): Promise<TenantRecord | undefined> {
    return this.rows.get(tenantId);
  }
  async put(r: TenantRecord): Promise<void> {
    this.rows.set(r.tenantId, r);
  }
  async remove(tenantId: string): Promise<void> {
    this.rows.delete(tenantId);
  }
}

/** A storage account's table names in memory. */
class MemoryTables implements TenantTables {
  readonly known = ['QuarantineSnapshot', 'NotifierState', 'QuarantineActivity'];
  constructor(readonly names: Set<string>) {}
  async existing(prefix: string): Promise<string[]> {
    return [...this.names].filter((n) => n.toLowerCase().startsWith(prefix.toLowerCase()));
  }
  async drop(name: string): Promise<void> {
    this.names.delete(name);
  }
}

const addRequest = (extra: Partial<AddRequest> = {}): AddRequest => ({
  tenantId: FABRIKAM,
  name: 'Fabrikam',
  mailbox: 'notices@fabrikam.com',
  set: [],
  ...extra,
});

describe('npm run tenants -- add', () => {
  const context = { env: base, homeTenantId: HOME, now: NOW };

  it('stores the tenant with its mailbox and settings, enabled, dated now', () => {
    const decision = tenantToStore(
      addRequest({ set: ['NOTIFY_TIME_ZONE=Europe/Paris', 'ALERT_RECIPIENTS=soc@fabrikam.com'] }),
      undefined,
      context,
    );
    expect(decision).toEqual({
      ok: true,
      updated: false,
      record: {
        tenantId: FABRIKAM,
        name: 'Fabrikam',
        disabled: false,
        settings: {
          NOTIFY_TIME_ZONE: 'Europe/Paris',
          ALERT_RECIPIENTS: 'soc@fabrikam.com',
          NOTIFY_SENDER_MAILBOX: 'notices@fabrikam.com',
        },
        addedAt: NOW.toISOString(),
      },
    });
  });

  it('says every problem at once, one line each', () => {
    const decision = tenantToStore(
      {
        tenantId: 'fabrikam.com',
        name: ' ',
        mailbox: undefined,
        set: ['AzureWebJobsStorage=x', 'oops', 'NOTIFY_SENDER_MAILBOX=a@b.c'],
      },
      undefined,
      context,
    );
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.problems).toEqual([
      expect.stringMatching(/"fabrikam.com" is not a tenant id/),
      expect.stringMatching(/^--name is needed/),
      expect.stringMatching(/^--mailbox is needed/),
      expect.stringMatching(/^--set "AzureWebJobsStorage": not a setting a tenant may set/),
      expect.stringMatching(/^--set "oops": expected NAME=value/),
      expect.stringMatching(/^--set NOTIFY_SENDER_MAILBOX: give the mailbox with --mailbox/),
    ]);
  });

  it("checks the tenant's whole settings through the schema", () => {
    const decision = tenantToStore(
      addRequest({ mailbox: 'not-an-address', set: ['NOTIFY_LANGUAGE=klingon'] }),
      undefined,
      context,
    );
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.problems).toHaveLength(2);
    expect(decision.problems.join('\n')).toMatch(/NOTIFY_SENDER_MAILBOX[\s\S]*NOTIFY_LANGUAGE/);
  });

  it('refuses a customer tenant while the deployment has no MULTI_TENANT_APP_ID, and says so', () => {
    const { MULTI_TENANT_APP_ID: _unset, ...single } = base;
    const decision = tenantToStore(addRequest(), undefined, { ...context, env: single });
    expect(decision).toEqual({
      ok: false,
      problems: [
        expect.stringMatching(/is a customer tenant .*MULTI_TENANT_APP_ID is not set\. Set it on the deployment first/),
      ],
    });
    // The deployment's own tenant needs no multi-tenant app.
    expect(tenantToStore(addRequest({ tenantId: HOME }), undefined, { ...context, env: single }).ok).toBe(true);
  });

  it('updates an existing tenant: keeps its state, date and other settings; an empty --set drops one', () => {
    const existing = record(FABRIKAM, {
      disabled: true,
      settings: { NOTIFY_TIME_ZONE: 'Europe/Paris', NOTIFY_LANGUAGE: 'fr', NOTIFY_SENDER_MAILBOX: 'old@fabrikam.com' },
    });
    const decision = tenantToStore(
      addRequest({ name: 'Fabrikam SA', set: ['NOTIFY_LANGUAGE=', 'NOTIFY_MAX_PER_DAY=500'] }),
      existing,
      context,
    );
    expect(decision).toEqual({
      ok: true,
      updated: true,
      record: {
        ...existing,
        name: 'Fabrikam SA',
        settings: {
          NOTIFY_TIME_ZONE: 'Europe/Paris',
          NOTIFY_MAX_PER_DAY: '500',
          NOTIFY_SENDER_MAILBOX: 'notices@fabrikam.com',
        },
      },
    });
  });

  it('updates with only what is given: the name and mailbox stay when not given', () => {
    const existing = record(FABRIKAM, { settings: { NOTIFY_SENDER_MAILBOX: 'n@fabrikam.com' } });
    const decision = tenantToStore(
      { tenantId: FABRIKAM, name: undefined, mailbox: undefined, set: ['NOTIFY_LANGUAGE=fr'] },
      existing,
      context,
    );
    expect(decision).toMatchObject({
      ok: true,
      record: { name: 'Fabrikam', settings: { NOTIFY_SENDER_MAILBOX: 'n@fabrikam.com', NOTIFY_LANGUAGE: 'fr' } },
    });
  });

  it('writes nothing when anything is wrong', async () => {
    const registry = new MemoryRegistry();
    const refused = await addTenant(addRequest({ set: ['NOTIFY_MAX_PER_MINUTE=-1'] }), registry, context);
    expect(refused.ok).toBe(false);
    expect(registry.rows.size).toBe(0);
    expect((await addTenant(addRequest(), registry, context)).ok).toBe(true);
    expect(registry.rows.get(FABRIKAM)?.settings.NOTIFY_SENDER_MAILBOX).toBe('notices@fabrikam.com');
    expect(await addTenant(addRequest({ name: 'Fabrikam 2' }), registry, context)).toMatchObject({
      ok: true,
      updated: true,
      homeServed: false,
    });
    await addTenant(addRequest({ tenantId: HOME }), registry, context);
    expect(await addTenant(addRequest(), registry, context)).toMatchObject({ ok: true, homeServed: true });
  });

  it('parses --set: the last of a name wins; a value may hold "="', () => {
    const { values, problems } = overridesOf([
      'NOTIFY_SUBJECT=a=b',
      'NOTIFY_TIME_ZONE=UTC',
      'NOTIFY_TIME_ZONE=Europe/Paris',
    ]);
    expect(problems).toEqual([]);
    expect(Object.fromEntries(values)).toEqual({ NOTIFY_SUBJECT: 'a=b', NOTIFY_TIME_ZONE: 'Europe/Paris' });
    expect(TENANT_SETTING_NAMES).not.toContain('AzureWebJobsStorage');
  });
});

describe('npm run tenants -- disable / enable / list', () => {
  it('flips a tenant and says when it already was; an unknown tenant is a clear error', async () => {
    const registry = new MemoryRegistry();
    await registry.put(record(FABRIKAM));
    expect(await setTenantEnabled(FABRIKAM, false, registry)).toMatchObject({
      changed: true,
      record: { disabled: true },
    });
    expect(registry.rows.get(FABRIKAM)?.disabled).toBe(true);
    expect(await setTenantEnabled(FABRIKAM.toUpperCase(), false, registry)).toMatchObject({ changed: false });
    expect(await setTenantEnabled(FABRIKAM, true, registry)).toMatchObject({
      changed: true,
      record: { disabled: false },
    });
    await expect(setTenantEnabled(NORTHWIND, false, registry)).rejects.toThrow(TenantNotFoundError);
    await expect(setTenantEnabled(NORTHWIND, false, registry)).rejects.toThrow(/npm run tenants -- list/);
  });

  it('lists each tenant with its prefix, mailbox and open problems; one unreadable health state hides no other', async () => {
    const tenants = [
      record(HOME, { name: 'Contoso (provider)' }),
      record(FABRIKAM, { disabled: true, settings: { NOTIFY_SENDER_MAILBOX: 'n@fabrikam.com' } }),
      record(NORTHWIND, { name: 'Northwind' }),
    ];
    const problems = new Map([
      [
        'T3f2a6b1c0d4e4f5a8b6c7d8e9f0a1b9c',
        [{ problem: 'sign-in', since: '2026-12-04T09:00:00Z', reason: 'consent revoked' }],
      ],
    ]);
    const list = await listTenants({
      tenants: async () => tenants,
      openProblems: async (prefix) => {
        if (prefix.startsWith('T5b0f')) throw new Error('Table Storage refused\nsecond line');
        return problems.get(prefix) ?? [];
      },
      homeTenantId: HOME,
      homeMailbox: 'notices@contoso.com',
    });
    expect(list).toEqual([
      {
        tenantId: HOME,
        name: 'Contoso (provider)',
        enabled: true,
        home: true,
        mailbox: 'notices@contoso.com',
        tablePrefix: '',
        openProblems: [],
      },
      {
        tenantId: FABRIKAM,
        name: 'Fabrikam',
        enabled: false,
        home: false,
        mailbox: 'n@fabrikam.com',
        tablePrefix: 'T3f2a6b1c0d4e4f5a8b6c7d8e9f0a1b9c',
        openProblems: [{ problem: 'sign-in', since: '2026-12-04T09:00:00Z', reason: 'consent revoked' }],
      },
      {
        tenantId: NORTHWIND,
        name: 'Northwind',
        enabled: true,
        home: false,
        mailbox: undefined,
        tablePrefix: 'T5b0f7c1e3c1a4e229d3c08de0a1b2c3d',
        openProblems: [],
        healthUnread: 'Table Storage refused',
      },
    ]);
  });
});

describe('npm run tenants -- remove', () => {
  const forgotten: string[] = [];
  const forget = async (tenantId: string) => {
    forgotten.push(tenantId);
  };
  beforeEach(() => (forgotten.length = 0));

  const FAB = 'T3f2a6b1c0d4e4f5a8b6c7d8e9f0a1b9c';
  const NOR = 'T5b0f7c1e3c1a4e229d3c08de0a1b2c3d';
  const account = () =>
    new Set([
      'QuarantineSnapshot',
      'NotifierState',
      'Tenants',
      `${FAB}QuarantineSnapshot`,
      `${FAB}NotifierState`,
      `${FAB}SomethingNewer`,
      `${NOR}QuarantineSnapshot`,
    ]);

  it('without --yes deletes nothing and says what would go', async () => {
    const registry = new MemoryRegistry();
    await registry.put(record(FABRIKAM));
    const tables = new MemoryTables(account());
    const { plan, done } = await removeTenant(FABRIKAM, false, { registry, tables, homeTenantId: HOME, forget });
    expect(done).toBe(false);
    expect(forgotten).toEqual([]);
    expect(plan.tables).toEqual([`${FAB}NotifierState`, `${FAB}QuarantineSnapshot`, `${FAB}SomethingNewer`]);
    expect(tables.names).toEqual(account());
    expect(registry.rows.get(FABRIKAM)).toEqual(record(FABRIKAM));
  });

  it("with --yes drops every table of its prefix (known or found), then its row; nobody else's", async () => {
    const registry = new MemoryRegistry();
    await registry.put(record(FABRIKAM));
    await registry.put(record(NORTHWIND));
    const tables = new MemoryTables(account());
    const { done } = await removeTenant(FABRIKAM, true, { registry, tables, homeTenantId: HOME, forget });
    expect(done).toBe(true);
    expect([...tables.names].sort()).toEqual([
      'NotifierState',
      'QuarantineSnapshot',
      `${NOR}QuarantineSnapshot`,
      'Tenants',
    ]);
    expect([...registry.rows.keys()]).toEqual([NORTHWIND]);
    expect(forgotten).toEqual([FABRIKAM]);
  });

  it('disables the tenant before its tables go, so a failure leaves it stopped and removable again', async () => {
    const registry = new MemoryRegistry();
    await registry.put(record(FABRIKAM));
    const tables = new MemoryTables(account());
    tables.drop = async () => {
      throw new Error('Table Storage unreachable');
    };
    await expect(removeTenant(FABRIKAM, true, { registry, tables, homeTenantId: HOME, forget })).rejects.toThrow(
      /unreachable/,
    );
    expect(registry.rows.get(FABRIKAM)?.disabled).toBe(true);
  });

  it("removes only the home tenant's row: its tables are the single-tenant app's", async () => {
    const registry = new MemoryRegistry();
    await registry.put(record(HOME));
    const tables = new MemoryTables(account());
    const existing = jest.spyOn(tables, 'existing');
    const { plan, done } = await removeTenant(HOME, true, { registry, tables, homeTenantId: HOME, forget });
    expect({ done, home: plan.home, tables: plan.tables, drop: plan.drop }).toEqual({
      done: true,
      home: true,
      tables: [],
      drop: [],
    });
    expect(existing).not.toHaveBeenCalled();
    expect(tables.names).toEqual(account());
    expect(registry.rows.size).toBe(0);
  });

  it('finishes a removal whose row is gone but whose tables remain; a tenant with neither is an error', async () => {
    const registry = new MemoryRegistry();
    const tables = new MemoryTables(account());
    expect((await removeTenant(FABRIKAM, true, { registry, tables, homeTenantId: HOME, forget })).done).toBe(true);
    expect([...tables.names].some((n) => n.startsWith(FAB))).toBe(false);
    await expect(removeTenant(FABRIKAM, true, { registry, tables, homeTenantId: HOME, forget })).rejects.toThrow(
      TenantNotFoundError,
    );
  });

  it('never plans to drop an unprefixed table', () => {
    const plan = removalPlan(undefined, FABRIKAM, HOME, { existing: [...account()], known: ['NotifierState'] });
    expect(plan.drop.every((name) => name.startsWith(FAB))).toBe(true);
    expect(removalPlan(undefined, HOME, HOME, { existing: [...account()], known: ['NotifierState'] }).drop).toEqual([]);
  });
});
