/**
 * Graph advanced hunting: POST /v1.0/security/runHuntingQuery {"Query": "..."} answers
 * {schema: [{name, type}], results: [{column: value}]} (learn.microsoft.com/graph/api/security-security-runhuntingquery).
 * Needs the application permission ThreatHunting.Read.All and Defender XDR data for the tenant; 30
 * days of data, at most 100,000 rows, about 45 calls a minute, 429 past the quota (honour Retry-After).
 * Translation only: what a refusal means for the report is the use case's business.
 */
import type { TokenSource } from '../auth/credential';
import { excerpt, isRecord, send, tryJson } from '../http/json';
import { DEFAULT_RETRY, RetryableError, parseRetryAfter, withRetry, type RetryPolicy } from '../http/retry';
import type { Logger } from '../log/logger';
import { PostDeliveryUnavailableError, type HuntingQueries } from '../report/postDelivery';

export interface HuntingClientOptions {
  graphEndpoint: string;
  token: TokenSource;
  log: Logger;
  retry?: RetryPolicy;
}

/** Rows are bounded: the two queries return 30 and 4; anything far larger is not theirs. */
const MAX_ROWS = 100_000;

function graphMessage(text: string): string {
  const body = tryJson(text);
  if (isRecord(body) && isRecord(body.error) && typeof body.error.message === 'string')
    return excerpt(body.error.message, 200);
  return excerpt(text, 200);
}

export class GraphHuntingClient implements HuntingQueries {
  constructor(private readonly options: HuntingClientOptions) {}

  async run(query: string): Promise<Array<Record<string, unknown>>> {
    const what = 'Graph runHuntingQuery';
    try {
      return await withRetry(
        () => this.once(query, what),
        this.options.retry ?? { ...DEFAULT_RETRY, maxAttempts: 3 },
        (error, delay, attempt) => this.options.log.warn(`${error.message}; retry ${attempt} in ${delay} ms`),
      );
    } catch (error) {
      // Throttled past the retries, or the network: this report draws without advanced hunting.
      if (error instanceof RetryableError)
        throw new PostDeliveryUnavailableError(`${error.message} (gave up after retries)`);
      throw error;
    }
  }

  private async once(query: string, what: string): Promise<Array<Record<string, unknown>>> {
    const { graphEndpoint, token } = this.options;
    const answer = await send(
      `${graphEndpoint.replace(/\/+$/, '')}/v1.0/security/runHuntingQuery`,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${await token()}`,
          'Content-Type': 'application/json',
          Accept: 'application/json',
        },
        body: JSON.stringify({ Query: query }),
      },
      what,
    );
    if (answer.status === 200) {
      const body = tryJson(answer.text);
      if (!isRecord(body) || !Array.isArray(body.results))
        throw new PostDeliveryUnavailableError(`${what} answered 200 without a results array`);
      return body.results.slice(0, MAX_ROWS).filter(isRecord);
    }
    if (answer.status === 429 || answer.status >= 500)
      throw new RetryableError(
        `${what}: HTTP ${answer.status} (${graphMessage(answer.text)})`,
        parseRetryAfter(answer.headers.get('retry-after')),
      );
    if (answer.status === 401 || answer.status === 403)
      throw new PostDeliveryUnavailableError(
        `${what} was refused (HTTP ${answer.status}): the app needs the Graph application permission ThreatHunting.Read.All (${graphMessage(answer.text)})`,
      );
    throw new PostDeliveryUnavailableError(
      `${what} failed (HTTP ${answer.status}): ${graphMessage(answer.text)}; without Microsoft Defender XDR data for the tenant the query cannot run`,
    );
  }
}
