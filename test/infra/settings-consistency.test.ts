/**
 * Keeps three lists of settings in step: the names the code reads, the app settings infra/ deploys,
 * and the Values of local.settings.sample.json.
 *
 * "The code reads" is SETTING_NAMES plus whatever a scan of functions/ and shared/ finds, so a setting
 * read outside the registry in shared/config/settings.ts is caught too. The scan looks for
 * `env.X`, `env['X']`, `process.env.X`, `process.env['X']`, `const { X } = process.env`, calls such as
 * `parseSchedule(process.env, 'X')` / `text(env, 'X')`, and, in shared/config/, setting-shaped string
 * literals passed to a function (`serviceUrl('AzureWebJobsStorage__tableServiceUri', ...)`).
 *
 * The deployed names are the keys of the object literals assigned to `var <something>AppSettings` in
 * infra/**\/*.bicep (main.bicep builds the product settings, app/api.bicep the platform ones and merges
 * them into the app's `config/appsettings`). The parser below skips comments and string contents,
 * and only reads top-level keys of those objects.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { DEFAULTS, SETTING_NAMES } from '../../shared/config/settings';

const ROOT = resolve(__dirname, '..', '..');
const INFRA = join(ROOT, 'infra');

/**
 * Host and platform settings: deployed or sampled without the product reading them by name, or read
 * by the product but provided by the platform or the identity setup rather than by a product parameter.
 * - FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION: the Functions host (local only; Flex
 *   Consumption takes the runtime from functionAppConfig).
 * - APPLICATIONINSIGHTS_*: telemetry, read by the host.
 * - AzureWebJobsStorage__*: identity-based AzureWebJobsStorage, read by the host and by settings.ts.
 * - AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_CLIENT_SECRET: @azure/identity (DefaultAzureCredential).
 * - WEBSITE_*: App Service platform.
 * - IDENTITY_ENDPOINT, MSI_ENDPOINT: set by the platform where a managed identity is (the doctor reads
 *   them to know whether it runs as one).
 */
const PLATFORM_SETTINGS: readonly RegExp[] = [
  /^FUNCTIONS_WORKER_RUNTIME$/,
  /^FUNCTIONS_EXTENSION_VERSION$/,
  /^APPLICATIONINSIGHTS_/,
  /^AzureWebJobsStorage__/,
  /^AZURE_CLIENT_ID$/,
  /^AZURE_TENANT_ID$/,
  /^AZURE_CLIENT_SECRET$/,
  /^WEBSITE_/,
  /^IDENTITY_ENDPOINT$/,
  /^MSI_ENDPOINT$/,
];

/** Product settings the Bicep does not set under their own name, and why. */
const NOT_DEPLOYED_AS_IS: Readonly<Record<string, string>> = {
  // Shared keys are disabled on the storage account: Azure uses the identity-based
  // AzureWebJobsStorage__* names instead (asserted below).
  AzureWebJobsStorage: 'replaced by identity-based AzureWebJobsStorage__* settings',
  // Only for the simulator or a non-public cloud outside managed identity: set only when the
  // azureAuthorityHost parameter is given.
  AZURE_AUTHORITY_HOST: 'optional, deployed only when given',
};

const isPlatform = (name: string): boolean => PLATFORM_SETTINGS.some((pattern) => pattern.test(name));
const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort();

// ---------------------------------------------------------------------------------------------------
// Bicep parsing
// ---------------------------------------------------------------------------------------------------

interface CleanSource {
  /** The source with comments blanked and every string literal replaced by 'S<n>'; newlines kept. */
  text: string;
  /** Literal text of each string (interpolations dropped). */
  strings: string[];
}

/** Blanks comments and replaces string literals (including '${...}' interpolations and '''...''') by placeholders. */
function cleanBicep(source: string): CleanSource {
  const strings: string[] = [];
  let out = '';
  let i = 0;

  // Scans a quoted string starting at source[start] === "'"; returns the index after it and its literal text.
  const scanString = (start: number): { end: number; literal: string } => {
    if (source.startsWith("'''", start)) {
      const close = source.indexOf("'''", start + 3);
      if (close < 0) throw new Error(`unterminated ''' string at offset ${start}`);
      return { end: close + 3, literal: source.slice(start + 3, close) };
    }
    let j = start + 1;
    let literal = '';
    while (j < source.length) {
      const c = source[j];
      if (c === '\\') {
        literal += source[j + 1] ?? '';
        j += 2;
      } else if (c === "'") {
        return { end: j + 1, literal };
      } else if (c === '$' && source[j + 1] === '{') {
        j = scanExpression(j + 2);
      } else {
        if (c === '\n') throw new Error(`unterminated string at offset ${start}`);
        literal += c;
        j += 1;
      }
    }
    throw new Error(`unterminated string at offset ${start}`);
  };

  // Scans an interpolation body up to and including its closing brace.
  const scanExpression = (start: number): number => {
    let depth = 1;
    let j = start;
    while (j < source.length) {
      const c = source[j];
      if (c === "'") {
        j = scanString(j).end;
        continue;
      }
      if (c === '{') depth += 1;
      if (c === '}') {
        depth -= 1;
        if (depth === 0) return j + 1;
      }
      j += 1;
    }
    throw new Error(`unterminated interpolation at offset ${start}`);
  };

  while (i < source.length) {
    const c = source[i];
    if (c === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') i += 1;
    } else if (c === '/' && source[i + 1] === '*') {
      const close = source.indexOf('*/', i + 2);
      const end = close < 0 ? source.length : close + 2;
      out += source.slice(i, end).replace(/[^\n]/g, ' ');
      i = end;
    } else if (c === "'") {
      const { end, literal } = scanString(i);
      out += `'S${strings.length}'`;
      strings.push(literal);
      i = end;
    } else {
      out += c;
      i += 1;
    }
  }
  return { text: out, strings };
}

const IDENTIFIER_KEY = /^[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*:/;
const QUOTED_KEY = /^[ \t]*'S(\d+)'[ \t]*:/;

/** Keys of the outermost object literals in one expression, from `start` to the end of its declaration. */
function expressionKeys(clean: CleanSource, start: number): string[] {
  const { text, strings } = clean;
  const stack: string[] = [];
  const keys: string[] = [];
  let seenContent = false;
  for (let i = start; i < text.length; i += 1) {
    const c = text[i];
    if (c === '\n' && stack.length === 0 && seenContent) break;
    if (!/\s/.test(c)) seenContent = true;
    if (c === '{' || c === '[' || c === '(') stack.push(c);
    else if (c === '}' || c === ']' || c === ')') stack.pop();
    // An entry starts after '{', ',' or a newline, inside an object literal that no other object encloses.
    const entryStart = c === '{' || c === ',' || c === '\n';
    const inOutermostObject = stack[stack.length - 1] === '{' && stack.filter((b) => b === '{').length === 1;
    if (!entryStart || !inOutermostObject) continue;
    const rest = text.slice(i + 1, text.indexOf('\n', i + 1) < 0 ? undefined : text.indexOf('\n', i + 1));
    const identifier = IDENTIFIER_KEY.exec(rest);
    if (identifier) {
      keys.push(identifier[1]);
      continue;
    }
    const quoted = QUOTED_KEY.exec(rest);
    if (quoted) keys.push(strings[Number(quoted[1])]);
  }
  return keys;
}

/** `var <name>AppSettings = ...` declarations in one Bicep source and the setting names each one sets. */
function appSettingVars(source: string): Map<string, string[]> {
  const clean = cleanBicep(source);
  const found = new Map<string, string[]>();
  for (const match of clean.text.matchAll(/\bvar\s+([A-Za-z_][A-Za-z0-9_]*AppSettings)\s*=/g)) {
    found.set(match[1], expressionKeys(clean, (match.index ?? 0) + match[0].length));
  }
  return found;
}

/** Keys and string values of `var <name> = { KEY: 'value' ... }`. */
function objectVar(source: string, name: string): Map<string, string> {
  const clean = cleanBicep(source);
  const declaration = new RegExp(`\\bvar\\s+${name}\\s*=\\s*\\{`).exec(clean.text);
  if (!declaration) throw new Error(`var ${name} not found`);
  const body = clean.text.slice(declaration.index + declaration[0].length, clean.text.indexOf('}', declaration.index));
  const values = new Map<string, string>();
  for (const line of body.split('\n')) {
    const entry = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*'S(\d+)'\s*$/.exec(line);
    if (entry) values.set(entry[1], clean.strings[Number(entry[2])]);
  }
  return values;
}

/** Parameters declared in a Bicep source: name -> whether it has a default value. */
function bicepParams(source: string): Map<string, boolean> {
  const params = new Map<string, boolean>();
  for (const line of cleanBicep(source).text.split('\n')) {
    const param = /^\s*param\s+([A-Za-z_][A-Za-z0-9_]*)\s+[A-Za-z]+(\s*=)?/.exec(line);
    if (param) params.set(param[1], Boolean(param[2]));
  }
  return params;
}

/** `param <name> bool = <default>` in one Bicep source: name -> 'true' | 'false'. */
function boolParamDefaults(source: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of cleanBicep(source).text.matchAll(
    /^\s*param\s+([A-Za-z_][A-Za-z0-9_]*)\s+bool\s*=\s*(true|false)\b/gm,
  ))
    found.set(match[1], match[2]);
  return found;
}

/** main.parameters.json: azd variable -> the parameter it fills, and its `${NAME=fallback}` if any. */
function parameterMapping(): Map<string, { param: string; fallback: string | undefined }> {
  const file = JSON.parse(readFileSync(join(INFRA, 'main.parameters.json'), 'utf8')) as {
    parameters: Record<string, { value?: unknown }>;
  };
  const mapping = new Map<string, { param: string; fallback: string | undefined }>();
  for (const [param, { value }] of Object.entries(file.parameters)) {
    const variable = typeof value === 'string' ? /^\$\{([A-Za-z0-9_]+)(?:=([^}]*))?\}$/.exec(value) : null;
    if (variable) mapping.set(variable[1], { param, fallback: variable[2] });
  }
  return mapping;
}

function filesUnder(dir: string, extension: string): string[] {
  const found: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return found;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...filesUnder(path, extension));
    else if (entry.endsWith(extension)) found.push(path);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------
// Code scanning
// ---------------------------------------------------------------------------------------------------

const SETTING_SHAPED = /^(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|AzureWebJobs[A-Za-z0-9_]*)$/;

/** Setting names a TypeScript source reads from the environment. */
function settingReads(source: string, inConfigModule: boolean): string[] {
  const names: string[] = [];
  const add = (pattern: RegExp, group: number) => {
    for (const match of source.matchAll(pattern)) names.push(match[group]);
  };
  add(/\b(?:process\.)?env\.([A-Za-z_][A-Za-z0-9_]*)/g, 1);
  add(/\b(?:process\.)?env\[\s*(['"`])([A-Za-z_][A-Za-z0-9_]*)\1\s*\]/g, 2);
  add(/\(\s*(?:process\.)?env\s*,\s*(['"`])([A-Za-z_][A-Za-z0-9_]*)\1/g, 2);
  for (const match of source.matchAll(/\{([^{}]*)\}\s*=\s*process\.env\b/g)) {
    for (const part of match[1].split(',')) {
      const name = /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(part);
      if (name) names.push(name[1]);
    }
  }
  if (inConfigModule) {
    for (const match of source.matchAll(/[(,]\s*(['"`])([A-Za-z_][A-Za-z0-9_]*)\1/g)) {
      if (SETTING_SHAPED.test(match[2])) names.push(match[2]);
    }
  }
  return names;
}

function codeReads(): Map<string, string[]> {
  const readers = new Map<string, string[]>();
  const note = (name: string, where: string) => readers.set(name, [...(readers.get(name) ?? []), where]);
  for (const name of SETTING_NAMES) note(name, 'SETTING_NAMES');
  for (const dir of ['functions', 'shared']) {
    for (const file of filesUnder(join(ROOT, dir), '.ts')) {
      const where = relative(ROOT, file);
      const inConfigModule = where.split(/[\\/]/).slice(0, 2).join('/') === 'shared/config';
      for (const name of settingReads(readFileSync(file, 'utf8'), inConfigModule)) note(name, where);
    }
  }
  return readers;
}

// ---------------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------------

const bicepFiles = filesUnder(INFRA, '.bicep');
const bicepSources = new Map(bicepFiles.map((file) => [relative(ROOT, file), readFileSync(file, 'utf8')]));
const allBicep = [...bicepSources.values()].join('\n');

function deployedSettings(): Map<string, string> {
  const where = new Map<string, string>();
  for (const [file, source] of bicepSources) {
    for (const [variable, keys] of appSettingVars(source))
      for (const key of keys) where.set(key, `${file} var ${variable}`);
  }
  return where;
}

function sampleValues(): Record<string, unknown> {
  const sample = JSON.parse(readFileSync(join(ROOT, 'local.settings.sample.json'), 'utf8')) as {
    IsEncrypted?: unknown;
    Values?: Record<string, unknown>;
  };
  return sample.Values ?? {};
}

describe('the Bicep parser', () => {
  const source = [
    '// var commentedAppSettings = { NOT_THIS: 1 }',
    "param p string = 'x'",
    'var exampleAppSettings = cond ? {',
    "  FIRST: 'a ${concat('{', p)} }'",
    '  /* SKIPPED: 1 */',
    '  SECOND: {',
    '    NESTED_NOT_A_SETTING: 1',
    '  }',
    "  'QUOTED_KEY': 'https://x' // TRAILING: comment",
    '} : {',
    '  THIRD: cond ? 1 : 2',
    '}',
    'var unionAppSettings = union(other, { FOURTH: 4, FIFTH: 5 })',
    'var notSettings = { IGNORED: 1 }',
  ].join('\n');

  it('reads the top-level keys of every *AppSettings object, past strings, comments and ternaries', () => {
    const vars = appSettingVars(source);
    expect([...vars.keys()]).toEqual(['exampleAppSettings', 'unionAppSettings']);
    expect(vars.get('exampleAppSettings')).toEqual(['FIRST', 'SECOND', 'QUOTED_KEY', 'THIRD']);
    expect(vars.get('unionAppSettings')).toEqual(['FOURTH', 'FIFTH']);
  });

  it('finds the settings code reads in each style', () => {
    const code = [
      "const a = process.env.ALPHA_ONE; const b = env['BETA_TWO']; const { GAMMA_THREE, DELTA: d } = process.env;",
      "parseSchedule(process.env, 'EPSILON_FOUR'); text(env, 'ZETA_FIVE'); serviceUrl('AzureWebJobsStorage__x', 'table');",
      "this.name = 'SettingsError';",
    ].join('\n');
    expect(sorted(settingReads(code, true))).toEqual(
      sorted(['ALPHA_ONE', 'BETA_TWO', 'GAMMA_THREE', 'DELTA', 'EPSILON_FOUR', 'ZETA_FIVE', 'AzureWebJobsStorage__x']),
    );
    expect(settingReads(code, false)).not.toContain('AzureWebJobsStorage__x');
  });
});

describe('settings: code, infra/ and local.settings.sample.json agree', () => {
  const reads = codeReads();
  const productSettings = sorted([...reads.keys()].filter((name) => !isPlatform(name)));
  const deployed = deployedSettings();
  const sample = sampleValues();

  it('found the infra and the settings it sets (the parse is not vacuous)', () => {
    expect(bicepFiles.length).toBeGreaterThan(0);
    expect(deployed.size).toBeGreaterThanOrEqual(SETTING_NAMES.length);
    expect(productSettings).toEqual(expect.arrayContaining([...SETTING_NAMES]));
  });

  it('every *AppSettings variable is used, and the app settings resource merges them', () => {
    for (const [file, source] of bicepSources) {
      for (const variable of appSettingVars(source).keys()) {
        const uses = cleanBicep(allBicep).text.split(new RegExp(`\\b${variable}\\b`)).length - 1;
        expect({ file, variable, usedBeyondItsDeclaration: uses > 1 }).toEqual({
          file,
          variable,
          usedBeyondItsDeclaration: true,
        });
      }
    }
    expect(allBicep).toMatch(/name:\s*'appsettings'\s*\n\s*properties:\s*union\(appSettings,/);
  });

  it('the Bicep sets every product setting (AzureWebJobsStorage and AZURE_AUTHORITY_HOST excepted)', () => {
    const missing = productSettings.filter((name) => !deployed.has(name) && !(name in NOT_DEPLOYED_AS_IS));
    expect(missing.map((name) => `${name} (read by ${sorted(reads.get(name) ?? []).join(', ')})`)).toEqual([]);
  });

  it('the Bicep replaces the AzureWebJobsStorage connection string with the identity-based settings', () => {
    expect(deployed.has('AzureWebJobsStorage')).toBe(false);
    for (const name of [
      'AzureWebJobsStorage__credential',
      'AzureWebJobsStorage__clientId',
      'AZURE_CLIENT_ID',
      'APPLICATIONINSIGHTS_CONNECTION_STRING',
      'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    ]) {
      expect({ name, deployed: deployed.has(name) }).toEqual({ name, deployed: true });
    }
    const reachesStorage =
      deployed.has('AzureWebJobsStorage__accountName') ||
      (deployed.has('AzureWebJobsStorage__queueServiceUri') && deployed.has('AzureWebJobsStorage__tableServiceUri'));
    expect(reachesStorage).toBe(true);
  });

  it('the Bicep sets nothing the code does not read, beyond host and platform settings', () => {
    const extra = sorted(deployed.keys()).filter((name) => !reads.has(name) && !isPlatform(name));
    expect(extra.map((name) => `${name} (${deployed.get(name)})`)).toEqual([]);
  });

  it('local.settings.sample.json sets every setting the code reads', () => {
    const missing = productSettings.filter((name) => !(name in sample));
    expect(missing).toEqual([]);
    expect(sample.FUNCTIONS_WORKER_RUNTIME).toBe('node');
    expect(sample.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
  });

  it('local.settings.sample.json sets nothing the code does not read, beyond host and platform settings', () => {
    const extra = Object.keys(sample).filter((name) => !reads.has(name) && !isPlatform(name));
    expect(extra).toEqual([]);
    for (const [name, value] of Object.entries(sample))
      expect({ name, type: typeof value }).toEqual({ name, type: 'string' });
  });

  it('the Bicep defaults are the schema defaults (shared/config/schema.ts), for text and true/false parameters alike', () => {
    const main = bicepSources.get(join('infra', 'main.bicep')) ?? '';
    const bicepDefaults = Object.fromEntries(objectVar(main, 'productDefaults'));
    const boolDefaults = boolParamDefaults(main);
    const mapping = parameterMapping();
    const expected: Record<string, string> = {};
    const boolsExpected: Record<string, string> = {};
    const boolsFound: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(DEFAULTS)) {
      const param = mapping.get(name)?.param ?? '';
      if (boolDefaults.has(param)) {
        boolsExpected[name] = value;
        boolsFound[name] = boolDefaults.get(param);
        // azd's own fallback in main.parameters.json (${NAME=true}) must agree too.
        expect({ name, fallback: mapping.get(name)?.fallback }).toEqual({ name, fallback: value });
      } else expected[name] = value;
    }
    expect(bicepDefaults).toEqual(expected);
    expect(boolsFound).toEqual(boolsExpected);
  });

  it('every setting in the schema is an azd variable: main.parameters.json passes ${NAME} to a main.bicep parameter', () => {
    const main = bicepSources.get(join('infra', 'main.bicep')) ?? '';
    const declared = bicepParams(main);
    const mapping = parameterMapping();
    const unmapped = SETTING_NAMES.filter(
      (name) => !(name in NOT_DEPLOYED_AS_IS) || name === 'AZURE_AUTHORITY_HOST',
    ).filter((name) => !declared.has(mapping.get(name)?.param ?? ''));
    expect(unmapped).toEqual([]);
  });

  it('main.parameters.json maps only parameters main.bicep declares, and every required one', () => {
    const main = bicepSources.get(join('infra', 'main.bicep')) ?? '';
    const declared = bicepParams(main);
    const file = JSON.parse(readFileSync(join(INFRA, 'main.parameters.json'), 'utf8')) as {
      parameters: Record<string, unknown>;
    };
    const mapped = Object.keys(file.parameters);
    expect(mapped.filter((name) => !declared.has(name))).toEqual([]);
    const required = [...declared].filter(([, hasDefault]) => !hasDefault).map(([name]) => name);
    expect(required.filter((name) => !mapped.includes(name))).toEqual([]);
  });
});
