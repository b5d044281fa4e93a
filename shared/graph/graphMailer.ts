/**
 * Microsoft Graph sendMail from the sender mailbox, and the Sent Items lookup that finds a sent email
 * again. This module only translates: an email and a marker in, one of three answers out (accepted,
 * refused, unknown: notify/ports.ts SendAnswer). It never logs message content.
 *
 * Graph's 202 is not a JSON answer: its body is empty and its Content-Type varies (an empty body
 * labelled application/json broke msgraph-sdk-javascript #156). So the response is taken RAW and a 2xx
 * is never read. The client's RetryHandler may retry a 429 only: a 5xx or a lost answer may have been
 * sent, and Graph has no idempotency key, so those go back to the delivery as unknown.
 */
import { Client, GraphError, ResponseType, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import { TokenError, type TokenSource } from '../auth/credential';
import type { ComposedEmail } from '../email/compose';
import { excerpt, isRecord, tryJson } from '../http/json';
import { parseRetryAfter, RetryableError } from '../http/retry';
import { messageOf } from '../log/errors';
import type { Logger } from '../log/logger';
import type { Mailer, SendAnswer, SentLookup } from '../notify/ports';
import { toGraphMessage } from './graphMessage';

/**
 * The single-value extended property every email carries: one fixed GUID and name (named properties
 * are a finite per-mailbox resource), the delivery's marker as its value. The name is matched
 * case-sensitively by Graph's $filter, the value case-insensitively.
 */
export const MARKER_PROPERTY_ID = 'String {d4d9cbc0-6fd1-4520-a0fb-e8e8fc499f27} Name QuarantineReleaseNotifierMarker';

/** A failure an admin has to act on (the mailbox is missing, the app may not read it). */
export class MailerError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MailerError';
  }
}

/** Why Graph refused a send, in words that say what to fix. */
export function describeRefusal(
  status: number,
  code: string | undefined,
  graphMessage: string | undefined,
  mailbox: string,
): string {
  const graphSays = graphMessage ? `: ${excerpt(graphMessage, 300)}` : '';
  const what = `Graph sendMail from ${mailbox} was refused (HTTP ${status}${code ? ` ${code}` : ''}${graphSays})`;
  if (status === 403) {
    return (
      `${what}. Mail.Send is not granted to the app, or not scoped to NOTIFY_SENDER_MAILBOX ${mailbox} ` +
      `(Exchange RBAC for Applications: New-ManagementRoleAssignment -App <service principal> -Role 'Application Mail.Send' ` +
      `-CustomResourceScope <scope that includes ${mailbox}>; changes take up to an hour).`
    );
  }
  if (status === 404) {
    return `${what}. The mailbox NOTIFY_SENDER_MAILBOX ${mailbox} does not exist in this tenant (or has no Exchange Online license): create it (a shared mailbox works) or correct the setting.`;
  }
  if (status === 401) {
    return (
      `${what}. Graph did not accept the app's token: check that the app registration has admin consent for Microsoft Graph ` +
      'Mail.Send (application) in this tenant, and that M365_TENANT_ID names the tenant the mailbox lives in.'
    );
  }
  if (status === 429) return `${what}; throttled, the queue will try again later.`;
  if (status === 400) return `${what}. Graph rejected the message itself.`;
  return `${what}.`;
}

/**
 * What an HTTP status means for a send. Any 2xx is accepted, whatever its body or headers (a 202 with
 * Retry-After too: msgraph-sdk-java #1487 sent one duplicate per retry of it). 5xx may have been sent.
 * 4xx were not taken; 408 and 429 may be tried again.
 */
export function classifyStatus(status: number): 'accepted' | 'refused' | 'unknown' {
  if (status >= 200 && status < 300) return 'accepted';
  if (status >= 500 || status < 100) return 'unknown';
  return 'refused';
}

/**
 * Whether the client's RetryHandler may try again: only 429 (a refusal: nothing was sent), honouring
 * Retry-After while the attempt stays within its budget, so one invocation never outlives the
 * Functions timeout (pacing may already have waited 3 minutes of it). Past the budget the queue retries.
 */
export function graphRetryAllowed(
  elapsedMs: number,
  retryAfterMs: number | undefined,
  budgetMs: number,
  status: number = 429,
): boolean {
  return status === 429 && elapsedMs + (retryAfterMs ?? 0) <= budgetMs;
}

export interface GraphMailerOptions {
  graphEndpoint: string;
  token: TokenSource;
  log?: Logger;
  /** Retries of a 429 by the Graph client (its default is 3; a 429 storm needs more). */
  maxRetries?: number;
  /** Time the client may spend on 429 retries, in total, before giving the job back to the queue. */
  retryBudgetMs?: number;
  /** One HTTP request is abandoned after this; its outcome is then unknown. */
  requestTimeoutMs?: number;
}

// The client's own maximum. Four workers share one mailbox, so in a 429 storm each call may meet many
// 429s in a row (the benchmark saw 4 of 200 jobs give up at 6); the time budget still bounds the wait.
export const GRAPH_MAX_RETRIES = 10;
export const GRAPH_RETRY_BUDGET_MS = 150_000;
const REQUEST_TIMEOUT_MS = 60_000;

export class GraphMailer implements Mailer {
  private readonly client: Client;

  constructor(private readonly options: GraphMailerOptions) {
    this.client = Client.initWithMiddleware({
      authProvider: { getAccessToken: () => options.token() },
      baseUrl: options.graphEndpoint,
      defaultVersion: 'v1.0',
      // The client attaches the token only to Graph's own hosts and these; it compares the hostname
      // alone (the port is ignored), so the simulator's 127.0.0.1:port is covered by "127.0.0.1".
      customHosts: new Set([new URL(options.graphEndpoint).hostname.toLowerCase()]),
    });
  }

  async send(
    fromMailbox: string,
    email: ComposedEmail,
    options: { saveToSentItems: boolean; marker: string },
  ): Promise<SendAnswer> {
    const message = {
      ...toGraphMessage(email),
      singleValueExtendedProperties: [{ id: MARKER_PROPERTY_ID, value: options.marker }],
    };
    const started = Date.now();
    const budget = this.options.retryBudgetMs ?? GRAPH_RETRY_BUDGET_MS;
    const retry = new RetryHandlerOptions(
      3,
      this.options.maxRetries ?? GRAPH_MAX_RETRIES,
      (_delay, attempt, _request, _options, response) => {
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        const allowed = graphRetryAllowed(Date.now() - started, retryAfterMs, budget, response.status);
        if (response.status === 429) {
          this.options.log?.warn(
            `Graph sendMail from ${fromMailbox} answered HTTP 429` +
              (allowed
                ? `; retry ${attempt + 1} after ${retryAfterMs !== undefined ? `${retryAfterMs / 1000} s (Retry-After)` : 'a backoff'}`
                : '; retry budget spent'),
          );
        }
        return allowed;
      },
    );
    let response: Response;
    try {
      response = (await this.client
        .api(`/users/${encodeURIComponent(fromMailbox)}/sendMail`)
        .responseType(ResponseType.RAW)
        .middlewareOptions([retry])
        .options({ signal: AbortSignal.timeout(budget + (this.options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS)) })
        .post({ message, saveToSentItems: options.saveToSentItems })) as Response;
    } catch (error) {
      throwIfNotSent(error);
      // No answer: a timeout, or the connection dropped after the request may have been written.
      return { outcome: 'unknown', reason: `no answer from Graph (${excerpt(messageOf(error), 200)})` };
    }
    const kind = classifyStatus(response.status);
    if (kind === 'accepted') {
      // Never read: an empty body labelled JSON is what breaks clients that parse it.
      await response.body?.cancel().catch(() => undefined);
      return { outcome: 'accepted' };
    }
    const { code, message: graphMessage } = await graphError(response);
    if (kind === 'unknown')
      return { outcome: 'unknown', reason: `HTTP ${response.status}${code ? ` ${code}` : ''} from Graph` };
    return {
      outcome: 'refused',
      status: response.status,
      reason: describeRefusal(response.status, code, graphMessage, fromMailbox),
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    };
  }

  async findSent(fromMailbox: string, marker: string): Promise<SentLookup> {
    // Marker values are ours ("qrn-" + hex); quoting them for OData needs no escaping beyond this check.
    if (!/^[a-z0-9-]+$/i.test(marker)) throw new Error(`Refusing to look up a malformed marker ${excerpt(marker, 60)}`);
    let response: Response;
    try {
      response = (await this.client
        .api(`/users/${encodeURIComponent(fromMailbox)}/mailFolders('sentitems')/messages`)
        .filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${MARKER_PROPERTY_ID}' and ep/value eq '${marker}')`)
        .select('id')
        .top(1)
        .responseType(ResponseType.RAW)
        .options({ signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS) })
        .get()) as Response;
    } catch (error) {
      throwIfNotSent(error);
      throw new RetryableError(
        `Looking in the Sent Items of ${fromMailbox} got no answer (${excerpt(messageOf(error), 200)}); the queue will try again.`,
        undefined,
      );
    }
    if (response.status === 200) {
      const body = tryJson(await response.text());
      const value = isRecord(body) ? body.value : undefined;
      if (!Array.isArray(value))
        throw new RetryableError(
          `Graph answered the Sent Items lookup of ${fromMailbox} without a value list; the queue will try again.`,
          undefined,
        );
      return value.length > 0 ? 'found' : 'notFound';
    }
    const { code, message } = await graphError(response);
    if (response.status === 403) return 'cannotRead';
    const what = `Looking in the Sent Items of ${fromMailbox} failed (HTTP ${response.status}${code ? ` ${code}` : ''}${message ? `: ${excerpt(message, 200)}` : ''})`;
    if (response.status === 404)
      throw new MailerError(`${what}: the mailbox NOTIFY_SENDER_MAILBOX does not exist.`, 404, code);
    throw new RetryableError(
      `${what}; the queue will try again.`,
      parseRetryAfter(response.headers.get('retry-after')),
    );
  }
}

/** A failure before anything went out (the token could not be had): thrown as what it is. */
function throwIfNotSent(error: unknown): void {
  // A failing TokenSource surfaces wrapped in a GraphError; its own message already says what to fix.
  if (error instanceof TokenError) throw error;
  if (error instanceof GraphError && error.code === 'TokenError') throw new TokenError(error.message, { cause: error });
}

async function graphError(response: Response): Promise<{ code: string | undefined; message: string | undefined }> {
  const body = tryJson(await response.text().catch(() => ''));
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  return {
    code: typeof error?.code === 'string' ? excerpt(error.code, 80) : undefined,
    message: typeof error?.message === 'string' ? error.message : undefined,
  };
}
