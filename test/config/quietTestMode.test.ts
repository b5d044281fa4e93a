/** The jest setup silences @azure/functions' test-mode warnings, and nothing else. */
import { readFileSync } from 'node:fs';
import { isFunctionsTestModeWarning } from '../support/quietFunctionsTestMode';

/** The warnings exactly as the installed package writes them, with a name filled in. */
function packageWarnings(): string[] {
  const source = readFileSync(require.resolve('@azure/functions/dist/azure-functions.js'), 'utf8');
  const found = [...source.matchAll(/console\.warn\((['`])(WARNING:[^'`]*test mode[^'`]*)\1\)/g)].map((m) =>
    m[2].replace(/\$\{[^}]+\}/g, 'x'),
  );
  return found;
}

describe('jest setup: @azure/functions test mode', () => {
  it('recognises every test-mode warning the installed package prints', () => {
    const warnings = packageWarnings();
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    for (const text of warnings)
      expect({ text, silenced: isFunctionsTestModeWarning([text]) }).toEqual({ text, silenced: true });
  });

  it('lets every other warning through', () => {
    expect(isFunctionsTestModeWarning(['NOT RUN: Chromium is not installed'])).toBe(false);
    expect(isFunctionsTestModeWarning(['WARNING: something else about "@azure/functions"'])).toBe(false);
    expect(
      isFunctionsTestModeWarning([
        new Error(
          'WARNING: Skipping call to register function "x" because the "@azure/functions" package is in test mode.',
        ),
      ]),
    ).toBe(false);
  });

  it('is installed for every test file', () => {
    expect(readFileSync(require.resolve('../../jest.config.js'), 'utf8')).toMatch(
      /setupFiles: \['<rootDir>\/test\/support\/quietFunctionsTestMode\.ts'\]/,
    );
    expect(console.warn.toString()).toContain('isFunctionsTestModeWarning');
  });
});
