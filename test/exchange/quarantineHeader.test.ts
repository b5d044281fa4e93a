import { ExchangeError, type CmdletResult, type CmdletRunner } from '../../shared/exchange/exchangeClient';
import { readQuarantineMessageHeader } from '../../shared/exchange/quarantineSource';
import { RetryableError } from '../../shared/http/retry';

const identity = '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d\\9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d';

/** A CmdletRunner that answers every call with `answer` and records what it was asked. */
function runner(
  answer: () => Promise<CmdletResult>,
): CmdletRunner & { calls: Array<{ cmdlet: string; parameters: Record<string, unknown> }> } {
  const calls: Array<{ cmdlet: string; parameters: Record<string, unknown> }> = [];
  return {
    calls,
    invoke: (cmdlet, parameters) => {
      calls.push({ cmdlet, parameters });
      return answer();
    },
  };
}

const value =
  (rows: unknown[]): (() => Promise<CmdletResult>) =>
  () =>
    Promise.resolve({ rows, truncated: false, warnings: [] });
const failing =
  (error: Error): (() => Promise<CmdletResult>) =>
  () =>
    Promise.reject(error);

describe("reading one quarantined copy's header", () => {
  it('asks Get-QuarantineMessageHeader for the Identity alone (no EntityType) and returns the raw header', async () => {
    const exchange = runner(
      value([{ Identity: identity.toUpperCase(), Header: 'X-MS-Exchange-Organization-AuthAs: Internal\r\n' }]),
    );
    expect(await readQuarantineMessageHeader(exchange, identity)).toEqual({
      kind: 'header',
      text: 'X-MS-Exchange-Organization-AuthAs: Internal\r\n',
    });
    expect(exchange.calls).toEqual([{ cmdlet: 'Get-QuarantineMessageHeader', parameters: { Identity: identity } }]);
  });

  it.each([
    [
      'a 403 (the role does not allow it; the body was NUL bytes)',
      failing(new ExchangeError('Exchange Get-QuarantineMessageHeader was forbidden (403)', 403)),
      { kind: 'forbidden' },
    ],
    [
      'a 400 for a copy that has left quarantine',
      failing(
        new ExchangeError(
          "Exchange Get-QuarantineMessageHeader failed (HTTP 400): The operation couldn't be performed because object '...' couldn't be found.",
          400,
        ),
      ),
      { kind: 'not-found' },
    ],
    [
      'another 400',
      failing(
        new ExchangeError(
          "Exchange Get-QuarantineMessageHeader failed (HTTP 400): The term 'Get-QuarantineMessageHeader' is not recognized",
          400,
        ),
      ),
      { kind: 'failed', why: 'HTTP 400' },
    ],
    [
      'Exchange still busy after its retries',
      failing(new RetryableError('Exchange Get-QuarantineMessageHeader: HTTP 503', undefined)),
      { kind: 'failed', why: 'Exchange busy or unreachable' },
    ],
    ['an answer without a Header', value([{ Identity: identity }]), { kind: 'failed', why: 'answer without a Header' }],
    ['an empty answer', value([]), { kind: 'failed', why: 'answer without a Header' }],
    [
      'an answer about another copy',
      value([{ Identity: `${identity}0`, Header: 'X: y' }]),
      { kind: 'failed', why: 'answer for another Identity' },
    ],
  ])('turns %s into a result, never an exception', async (_what, answer, expected) => {
    expect(await readQuarantineMessageHeader(runner(answer), identity)).toEqual(expected);
  });

  it('gives up on a header that does not come within its timeout', async () => {
    const never = runner(() => new Promise<CmdletResult>(() => undefined));
    expect(await readQuarantineMessageHeader(never, identity, 50)).toEqual({
      kind: 'failed',
      why: 'no answer within 0 s',
    });
  });

  it('lets an error that is not an answer from Exchange fail the caller', async () => {
    await expect(readQuarantineMessageHeader(runner(failing(new TypeError('bug'))), identity)).rejects.toThrow('bug');
  });
});
