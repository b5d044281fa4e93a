import { randomUUID } from 'node:crypto';
import type { TokenSource } from '../auth/credential';
import { excerpt, isRecord, retryableStatus, send, tryJson, type HttpAnswer } from '../http/json';
import { DEFAULT_RETRY, RetryableError, parseRetryAfter, withRetry, type RetryPolicy } from '../http/retry';
import type { Logger } from '../log/logger';
import type { CodedError } from '../domain/errors';
import type { CmdletResult, CmdletRunner } from './ports';

export type { CmdletResult, CmdletRunner } from './ports';

/** A failure an admin has to act on; `hint` says what to do. */
export class ExchangeError extends Error implements CodedError {
  readonly code = 'exchange' as const;
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ExchangeError';
  }
}

const CONCURRENCY_TEXT = /maximum number of concurrent requests/i;

export interface ExchangeClientOptions {
  endpoint: string;
  tenantId: string;
  token: TokenSource;
  log: Logger;
  retry?: RetryPolicy;
}

export class ExchangeAdminClient implements CmdletRunner {
  // Exchange throttles concurrent calls per tenant: every call through one client waits its turn.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ExchangeClientOptions) {}

  invoke(cmdlet: string, parameters: Record<string, unknown>): Promise<CmdletResult> {
    const run = this.queue.then(() => this.invokeWithRetry(cmdlet, parameters));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private invokeWithRetry(cmdlet: string, parameters: Record<string, unknown>): Promise<CmdletResult> {
    const what = `Exchange ${cmdlet}`;
    return withRetry(
      () => this.invokeOnce(cmdlet, parameters, what),
      this.options.retry ?? DEFAULT_RETRY,
      (error, delay, attempt) => this.options.log.warn(`${error.message}; retry ${attempt} in ${delay} ms`),
    );
  }

  private async invokeOnce(cmdlet: string, parameters: Record<string, unknown>, what: string): Promise<CmdletResult> {
    const { endpoint, tenantId, token } = this.options;
    const url = `${endpoint}/adminapi/beta/${encodeURIComponent(tenantId)}/InvokeCommand`;
    const answer = await send(
      url,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${await token()}`,
          'Content-Type': 'application/json',
          Accept: 'application/json',
          Prefer: 'odata.maxpagesize=1000',
          'client-request-id': randomUUID(),
          'X-AnchorMailbox': `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${tenantId}`,
        },
        body: JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } }),
      },
      what,
    );
    if (answer.status === 200) return parseEnvelope(answer, what);
    throw classifyFailure(answer, what);
  }
}

function parseEnvelope(answer: HttpAnswer, what: string): CmdletResult {
  const body = tryJson(answer.text);
  if (!isRecord(body) || !Array.isArray(body.value)) {
    throw new RetryableError(`${what}: answered 200 without a value array (${excerpt(answer.text, 120)})`, undefined);
  }
  const warnings = Array.isArray(body['@adminapi.warnings'])
    ? body['@adminapi.warnings'].filter((w): w is string => typeof w === 'string')
    : [];
  const truncated = typeof body['@odata.nextLink'] === 'string' || warnings.length > 0;
  return { rows: body.value, truncated, warnings };
}

/** The useful text of an Exchange error: the top-level message is always "Invalid Operation". */
export function exchangeErrorText(body: unknown): string | undefined {
  if (!isRecord(body) || !isRecord(body.error)) return undefined;
  const error = body.error;
  const inner = isRecord(error.innererror) ? error.innererror : undefined;
  const internal = inner && isRecord(inner.internalexception) ? inner.internalexception : undefined;
  if (internal && typeof internal.message === 'string' && internal.message) return internal.message;
  if (Array.isArray(error.details)) {
    const detail = error.details.find(
      (d): d is { message: string } => isRecord(d) && typeof d.message === 'string' && d.message !== '',
    );
    if (detail) return detail.message;
  }
  if (inner && typeof inner.message === 'string' && inner.message) return inner.message;
  return typeof error.message === 'string' ? error.message : undefined;
}

function classifyFailure(answer: HttpAnswer, what: string): Error {
  const detail = exchangeErrorText(tryJson(answer.text)) ?? excerpt(answer.text);
  if (CONCURRENCY_TEXT.test(answer.text)) {
    return new RetryableError(
      `${what}: Exchange is busy with other requests for this tenant (${excerpt(detail, 120)})`,
      parseRetryAfter(answer.headers.get('retry-after')),
    );
  }
  const retryable = retryableStatus(answer, what);
  if (retryable) return retryable;
  switch (answer.status) {
    case 401:
      return new ExchangeError(
        `${what} was refused (401): the app has no Exchange.ManageAsApp application permission on "Office 365 Exchange Online" ` +
          '(or the token is for another resource). Grant it with infra/grant-permissions.ps1.',
        401,
      );
    case 403:
      return new ExchangeError(
        `${what} was forbidden (403): the app has Exchange.ManageAsApp but no Entra directory role. ` +
          "Assign the Security Reader role to the app's service principal (infra/grant-permissions.ps1); the app sees it when its cached token expires, up to 24 hours.",
        403,
      );
    default:
      return new ExchangeError(`${what} failed (HTTP ${answer.status}): ${detail || 'no error text'}`, answer.status);
  }
}
