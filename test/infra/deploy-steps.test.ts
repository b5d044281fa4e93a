/**
 * Deploy as the README writes it, checked against infra/: every `azd env set NAME value` of its steps
 * reaches the app (main.parameters.json passes ${NAME} to a main.bicep parameter, which sets the app
 * setting NAME), every value given there is one the app accepts, the health alert is created from the
 * same recipients the app mails, and the production doctor's queue is the one infra creates.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA, type SettingName } from '../../shared/config/schema';
import { DOCTOR_QUEUE } from '../../shared/doctor/request';
import { TOKEN_EXCHANGE_SCOPE } from '../../shared/auth/credential';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const MAIN = readFileSync(join(ROOT, 'infra', 'main.bicep'), 'utf8');
const PARAMETERS = JSON.parse(readFileSync(join(ROOT, 'infra', 'main.parameters.json'), 'utf8')) as {
  parameters: Record<string, { value: unknown }>;
};

const deploy = README.slice(README.indexOf('## Deploy'), README.indexOf('## Run it locally'));

/** azd variables that size the Flex Consumption app instead of setting an app setting: name -> main.bicep parameter. */
const HOSTING: Record<string, string> = {
  MAXIMUM_INSTANCE_COUNT: 'maximumInstanceCount',
  INSTANCE_MEMORY_MB: 'instanceMemoryMB',
};

/** `azd env set NAME value` lines of the Deploy section: name -> value as written (quotes removed). */
function azdSettings(): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of deploy.matchAll(/^\s*azd env set ([A-Za-z0-9_]+) ("[^"]*"|\S+)/gm))
    found.set(match[1], match[2].replace(/^"|"$/g, ''));
  return found;
}

function parameterFor(name: string): string | undefined {
  return Object.entries(PARAMETERS.parameters).find(([, p]) =>
    new RegExp(`^\\$\\{${name}(=[^}]*)?\\}$`).test(String(p.value)),
  )?.[0];
}

/** The expression main.bicep's productAppSettings gives the app setting `name`. */
function appSettingExpression(name: string): string | undefined {
  const body = MAIN.slice(MAIN.indexOf('var productAppSettings = {'));
  return new RegExp(`^\\s*${name}:\\s*(.+)$`, 'm').exec(body.slice(0, body.indexOf('\n}')))?.[1];
}

describe('Deploy as written switches every feature on', () => {
  const settings = azdSettings();

  it('finds the steps (the parse is not vacuous)', () => {
    expect(settings.size).toBeGreaterThanOrEqual(10);
    for (const name of ['ALERT_RECIPIENTS', 'HEALTH_RECIPIENTS', 'REPORT_RECIPIENTS', 'NOTIFY_MAX_PER_DAY'])
      expect(settings.has(name)).toBe(true);
  });

  it('every azd env set reaches the app setting of the same name through main.parameters.json and main.bicep', () => {
    const broken: string[] = [];
    for (const name of settings.keys()) {
      if (name in HOSTING) continue;
      const param = parameterFor(name);
      const expression = appSettingExpression(name);
      if (!param || !MAIN.includes(`param ${param} `)) broken.push(`${name}: no main.bicep parameter takes it`);
      else if (!expression || !new RegExp(`\\b${param}\\b`).test(expression))
        broken.push(`${name}: parameter ${param} does not set the app setting`);
    }
    expect(broken).toEqual([]);
  });

  it('every value written in Deploy is one the app accepts', () => {
    for (const [name, value] of settings) {
      if (name in HOSTING) continue;
      const declaration = SCHEMA[name as SettingName];
      expect({ name, known: declaration !== undefined }).toEqual({ name, known: true });
      if (declaration?.schema && !('read' in declaration))
        expect({ name, value, ok: declaration.schema.safeParse(value).success }).toEqual({ name, value, ok: true });
    }
  });

  it('the failure alert goes to whoever the app tells (HEALTH_RECIPIENTS, else ALERT_RECIPIENTS), never to "off"', () => {
    expect(MAIN).toMatch(
      /var healthAddresses = empty\(trim\(healthRecipients\)\) \? alertRecipients : healthRecipients/,
    );
    expect(MAIN).toMatch(/var healthRecipientList = toLower\(trim\(healthAddresses\)\) == 'off' \? \[\] :/);
    expect(MAIN).toMatch(/module alerts '\.\/app\/alerts\.bicep' = if \(!empty\(healthRecipientList\)\)/);
  });

  it('the production doctor command names the queue infra creates and the function listens on', () => {
    const storage = readFileSync(join(ROOT, 'infra', 'app', 'storage.bicep'), 'utf8');
    expect(storage).toContain(`name: '${DOCTOR_QUEUE}'`);
    const commands = [...README.matchAll(/az storage message put(?:[^\n\\]|\\\n)*/g)].map((m) => m[0]);
    expect(commands.length).toBeGreaterThanOrEqual(2);
    for (const command of commands) {
      expect(command).toContain('--auth-mode login');
      expect(command).toContain(`--queue-name ${DOCTOR_QUEUE}`);
    }
    // The deploying admin gets the queue role by default (rbac.bicep scopes it to this one queue).
    expect(MAIN).toMatch(/param principalId string = deployer\(\)\.objectId/);
    expect(readFileSync(join(ROOT, 'infra', 'app', 'rbac.bicep'), 'utf8')).toMatch(/scope: doctorQueue/);
  });

  it('the hosting variables reach Flex Consumption scaleAndConcurrency, with values the template allows', () => {
    const api = readFileSync(join(ROOT, 'infra', 'app', 'api.bicep'), 'utf8');
    const scale = /scaleAndConcurrency: \{([^}]*)\}/.exec(api)?.[1] ?? '';
    for (const [name, param] of Object.entries(HOSTING)) {
      expect({ name, param: parameterFor(name) }).toEqual({ name, param });
      const declaration = new RegExp(`((?:^@[^\n]*\n|^  [^\n]*\n|^\\]\\)\n)*)^param ${param} int = (\\d+)$`, 'm').exec(
        MAIN,
      );
      expect({ name, declared: declaration !== null }).toEqual({ name, declared: true });
      expect(MAIN).toMatch(new RegExp(`^\\s+${param}: ${param}$`, 'm'));
      expect(scale).toMatch(new RegExp(`\\b${param}: ${param}\\b`));
      const decorators = declaration?.[1] ?? '';
      const allowed = /@allowed\(\[([^\]]*)\]\)/.exec(decorators)?.[1].match(/\d+/g)?.map(Number);
      const min = Number(/@minValue\((\d+)\)/.exec(decorators)?.[1] ?? -Infinity);
      const max = Number(/@maxValue\((\d+)\)/.exec(decorators)?.[1] ?? Infinity);
      const accepts = (value: number) => (allowed ? allowed.includes(value) : value >= min && value <= max);
      expect({ name, default: Number(declaration?.[2]), ok: accepts(Number(declaration?.[2])) }).toMatchObject({
        ok: true,
      });
      const written = settings.get(name);
      if (written !== undefined)
        expect({ name, written, ok: accepts(Number(written)) }).toEqual({ name, written, ok: true });
    }
    expect(settings.has('MAXIMUM_INSTANCE_COUNT')).toBe(true);
  });
});

describe('Many tenants as written matches the scripts and the runtime', () => {
  const script = (name: string) => readFileSync(join(ROOT, 'infra', name), 'utf8');

  /** The parameters a script's param() block declares, plus -WhatIf and -Confirm from SupportsShouldProcess. */
  function declaredParameters(source: string): Set<string> {
    const block = source.slice(source.indexOf('param('), source.indexOf('\n)\n'));
    const names = [...block.matchAll(/\[(?:string|switch|int)\]\s*\$([A-Za-z]+)/g)].map((m) => m[1]);
    return new Set([...names, ...(source.includes('SupportsShouldProcess') ? ['WhatIf', 'Confirm'] : [])]);
  }

  it('every infra/*.ps1 command in the README uses only parameters the script declares', () => {
    const commands = [...README.matchAll(/\.\/infra\/([a-z-]+\.ps1)([^\n]*)/g)];
    expect(commands.filter((m) => m[1] === 'onboard-tenant.ps1').length).toBeGreaterThanOrEqual(4);
    const unknown: string[] = [];
    for (const [, file, args] of commands) {
      const declared = declaredParameters(script(file));
      for (const [, flag] of args.matchAll(/\s-([A-Za-z]+)/g))
        if (!declared.has(flag)) unknown.push(`${file} -${flag}`);
    }
    expect(unknown).toEqual([]);
  });

  it('every azd env get-value in the README reads an output of main.bicep or a variable the steps set', () => {
    const outputs = new Set([...MAIN.matchAll(/^output ([A-Z0-9_]+) /gm)].map((m) => m[1]));
    const names = [...README.matchAll(/azd env get-value ([A-Z0-9_]+)/g)].map((m) => m[1]);
    expect(names).toEqual(
      expect.arrayContaining(['SERVICE_API_IDENTITY_PRINCIPAL_ID', 'AZURE_TENANT_ID', 'MULTI_TENANT_APP_ID']),
    );
    expect(names.filter((name) => !outputs.has(name) && !azdSettings().has(name))).toEqual([]);
  });

  it('the federated credential names the identity the app signs in with, for the audience the runtime asks for', () => {
    const command = /az ad app federated-credential create[^`]*?\}"/.exec(deploy)?.[0] ?? '';
    expect(command).toContain('"issuer\\": \\"https://login.microsoftonline.com/$homeTenant/v2.0\\"');
    expect(command).toContain('"subject\\": \\"$principalId\\"');
    expect(command).toContain(`"audiences\\": [\\"${TOKEN_EXCHANGE_SCOPE.replace(/\/\.default$/, '')}\\"]`);
    expect(deploy).toContain('homeTenant=$(azd env get-value AZURE_TENANT_ID)');
    expect(deploy).toContain('principalId=$(azd env get-value SERVICE_API_IDENTITY_PRINCIPAL_ID)');
    expect(MAIN).toMatch(/^output AZURE_TENANT_ID string = tenant\(\)\.tenantId$/m);
    expect(MAIN).toMatch(/^output SERVICE_API_IDENTITY_PRINCIPAL_ID string = identity\.outputs\.principalId$/m);
    // The identity the app signs in with (AZURE_CLIENT_ID) is that same user-assigned identity.
    expect(readFileSync(join(ROOT, 'infra', 'app', 'api.bicep'), 'utf8')).toMatch(
      /^\s+AZURE_CLIENT_ID: identityClientId$/m,
    );
    expect(MAIN).toMatch(/identityClientId: identity\.outputs\.clientId/);
  });

  it('the app registration asks for Exchange.ManageAsApp and ActivityFeed.Read, never Graph Mail.Send', () => {
    const permissions = [
      ...deploy.matchAll(/--api ([0-9a-f-]{36}) \\\n\s+--api-permissions ([0-9a-f-]{36})=Role/g),
    ].map((m) => `${m[1]} ${m[2]}`);
    const onboard = script('lib/M365Permissions.ps1');
    expect(onboard).toContain("$ExchangeOnlineAppId = '00000002-0000-0ff1-ce00-000000000000'");
    expect(onboard).toContain("$ExchangeManageAsAppRoleId = 'dc50a0fb-09a3-484d-be87-e023b12c6440'");
    expect(onboard).toContain("$ManagementApiAppId = 'c5393580-f805-4401-95e8-94b7a6ef2fc2'");
    expect(permissions).toEqual([
      '00000002-0000-0ff1-ce00-000000000000 dc50a0fb-09a3-484d-be87-e023b12c6440', // Exchange.ManageAsApp
      'c5393580-f805-4401-95e8-94b7a6ef2fc2 594c1fb6-4f81-4475-ae41-0c394909246c', // ActivityFeed.Read
      '00000003-0000-0000-c000-000000000000 dd98c7f5-2d42-42d3-a0e4-633161547251', // ThreatHunting.Read.All (optional)
    ]);
    // Graph Mail.Send b633e1c5-..., Mail.Read 810c84a8-...: the mailbox scope in each tenant replaces them.
    expect(deploy).not.toMatch(/b633e1c5-b582-4048-a93e-9f11b44c7e96|810c84a8-4a9e-49e6-bf7d-12d183f40d01/);
    expect(deploy).toContain('--sign-in-audience AzureADMultipleOrgs');
  });
});
