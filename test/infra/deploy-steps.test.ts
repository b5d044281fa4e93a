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

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const MAIN = readFileSync(join(ROOT, 'infra', 'main.bicep'), 'utf8');
const PARAMETERS = JSON.parse(readFileSync(join(ROOT, 'infra', 'main.parameters.json'), 'utf8')) as {
  parameters: Record<string, { value: unknown }>;
};

const deploy = README.slice(README.indexOf('## Deploy'), README.indexOf('## Run it locally'));

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
});
