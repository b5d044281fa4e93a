/** The command-line arguments of `npm run tenants` and the `--tenant` every per-tenant command takes. */
import { tenantArgument } from '../../shared/cli/main';
import { parseTenantsArgs } from '../../shared/cli/tenants';

const ID = '3f2a6b1c-0d4e-4f5a-8b6c-7d8e9f0a1b9c';

describe('npm run tenants arguments', () => {
  it('reads each command, flags as --flag value or --flag=value, --set as often as given', () => {
    expect(
      parseTenantsArgs(['add', ID, '--name', 'Fabrikam SA', '--mailbox=n@fabrikam.com', '--set', 'A=1', '--set=B=2=3']),
    ).toEqual({ action: 'add', tenantId: ID, name: 'Fabrikam SA', mailbox: 'n@fabrikam.com', set: ['A=1', 'B=2=3'] });
    expect(parseTenantsArgs(['list'])).toEqual({ action: 'list', json: false });
    expect(parseTenantsArgs(['list', '--json'])).toEqual({ action: 'list', json: true });
    expect(parseTenantsArgs(['disable', ID])).toEqual({ action: 'disable', tenantId: ID });
    expect(parseTenantsArgs(['enable', ID])).toEqual({ action: 'enable', tenantId: ID });
    expect(parseTenantsArgs(['remove', ID])).toEqual({ action: 'remove', tenantId: ID, yes: false });
    expect(parseTenantsArgs(['remove', '--yes', ID])).toEqual({ action: 'remove', tenantId: ID, yes: true });
  });

  it.each([
    [[], /unknown command ""/],
    [['drop', ID], /unknown command "drop"/],
    [['remove', ID, '--force'], /remove does not take --force/],
    [['remove'], /remove takes one tenant id/],
    [['disable', ID, ID], /disable takes one tenant id/],
    [['list', ID], /list takes no tenant id/],
    [['add', ID, '--name'], /--name needs a value/],
    [['list', '--yes'], /list does not take --yes/],
  ])('refuses %j in one line', (argv, message) => {
    expect(() => parseTenantsArgs(argv)).toThrow(message);
  });
});

describe('--tenant', () => {
  it("is taken out of the command's own arguments", () => {
    expect(tenantArgument(['--since', '7d', '--tenant', ID])).toEqual({ tenant: ID, args: ['--since', '7d'] });
    expect(tenantArgument([`--tenant=${ID}`, '--out', 'x'])).toEqual({ tenant: ID, args: ['--out', 'x'] });
    expect(tenantArgument(['--days', '7'])).toEqual({ tenant: undefined, args: ['--days', '7'] });
  });

  it('needs a value', () => {
    expect(() => tenantArgument(['--tenant'])).toThrow(
      /--tenant needs a tenant id: npm run tenants -- list shows them/,
    );
    expect(() => tenantArgument(['--tenant', '--all'])).toThrow(/--tenant needs a tenant id/);
  });
});
