/**
 * jest setupFiles: drops the warnings @azure/functions prints when it runs outside the Functions host
 * ("Switching ... to test mode", "Skipping call to register function ..."). Every test that imports
 * functions/ triggers them, and jest prints each with a code frame (about 95 lines a run), burying
 * real output. Only those exact messages are dropped; every other warning is printed as before.
 */
const TEST_MODE =
  /^WARNING: (Failed to detect the Azure Functions runtime\. Switching "@azure\/functions" package to test mode|Skipping call to (register|dispose) .+ because the "@azure\/functions" package is in test mode\.)/;

export function isFunctionsTestModeWarning(args: readonly unknown[]): boolean {
  return typeof args[0] === 'string' && TEST_MODE.test(args[0]);
}

const warn = console.warn.bind(console);
console.warn = (...args: unknown[]): void => {
  if (!isFunctionsTestModeWarning(args)) warn(...args);
};
