/**
 * Sends one message from the sender mailbox with Microsoft Graph sendMail. This module only
 * translates: a GraphMessage in, 202 or an actionable error out. It never logs message content.
 */
import { Client, GraphError, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import { TokenError, type TokenSource } from '../auth/credential';
import { excerpt } from '../http/json';
import { parseRetryAfter, RetryableError } from '../http/retry';
import type { ComposedEmail } from '../email/compose';
import type { Logger } from '../log/logger';
import type { Mailer } from '../notify/ports';
import { toGraphMessage } from './graphMessage';

/** Graph refused the message for a reason another attempt will not fix by itself. */
export class MailerError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'MailerError';
  }
}

/** What Graph answered when sendMail did not succeed (after the client's own retries). */
export interface GraphFailure {
  /** HTTP status, or -1 when no answer came (network error, timeout). */
  status: number;
  code: string | undefined;
  message: string | undefined;
  retryAfterMs: number | undefined;
}

/** Turns a failed sendMail into an error an admin can act on from one log line. */
export function describeGraphFailure(failure: GraphFailure, mailbox: string): Error {
  const { status, code } = failure;
  const graphSays = failure.message ? `: ${excerpt(failure.message, 300)}` : '';
  const what = `Graph sendMail from ${mailbox} failed (HTTP ${status}${code ? ` ${code}` : ''}${graphSays})`;
  if (status === -1 || status === 408 || status === 429 || status >= 500) {
    return new RetryableError(`${what}; throttled or unavailable after the client's retries, the queue will try again later.`, failure.retryAfterMs);
  }
  if (status === 403) {
    return new MailerError(
      `${what}. Mail.Send is not granted to the app, or not scoped to NOTIFY_SENDER_MAILBOX ${mailbox} ` +
        `(Exchange RBAC for Applications: New-ManagementRoleAssignment -App <service principal> -Role 'Application Mail.Send' ` +
        `-CustomResourceScope <scope that includes ${mailbox}>; changes take up to an hour).`,
      status,
      code,
    );
  }
  if (status === 404) {
    return new MailerError(
      `${what}. The mailbox NOTIFY_SENDER_MAILBOX ${mailbox} does not exist in this tenant (or has no Exchange Online license): ` +
        'create it (a shared mailbox works) or correct the setting.',
      status,
      code,
    );
  }
  if (status === 401) {
    return new MailerError(
      `${what}. Graph did not accept the app's token: check that the app registration has admin consent for Microsoft Graph ` +
        'Mail.Send (application) in this tenant, and that M365_TENANT_ID names the tenant the mailbox lives in.',
      status,
      code,
    );
  }
  if (status === 400) return new MailerError(`${what}. Graph rejected the message itself.`, status, code);
  return new MailerError(`${what}.`, status, code);
}

/**
 * Whether the client's RetryHandler may try again: Graph's Retry-After is honoured, but only while
 * the attempt stays within its budget, so one invocation never outlives the Functions timeout
 * (pacing may already have waited 3 minutes of it). Past the budget the queue retries instead.
 */
export function graphRetryAllowed(elapsedMs: number, retryAfterMs: number | undefined, budgetMs: number): boolean {
  return elapsedMs + (retryAfterMs ?? 0) <= budgetMs;
}

export interface GraphMailerOptions {
  graphEndpoint: string;
  token: TokenSource;
  log?: Logger;
  /** Retries by the Graph client on 429/503/504 (its default is 3; a 429 storm needs more). */
  maxRetries?: number;
  /** Time the client may spend on retries, in total, before giving the job back to the queue. */
  retryBudgetMs?: number;
  /** The whole call including retries is aborted after this. */
  timeoutMs?: number;
}

// The client's own maximum. Four workers share one mailbox, so in a 429 storm each call may meet many
// 429s in a row (the benchmark saw 4 of 200 jobs give up at 6); the time budget still bounds the wait.
export const GRAPH_MAX_RETRIES = 10;
export const GRAPH_RETRY_BUDGET_MS = 150_000;

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

  async send(fromMailbox: string, email: ComposedEmail, saveToSentItems: boolean): Promise<void> {
    const message = toGraphMessage(email);
    const started = Date.now();
    const budget = this.options.retryBudgetMs ?? GRAPH_RETRY_BUDGET_MS;
    const retry = new RetryHandlerOptions(3, this.options.maxRetries ?? GRAPH_MAX_RETRIES, (_delay, attempt, _request, _options, response) => {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      const allowed = graphRetryAllowed(Date.now() - started, retryAfterMs, budget);
      this.options.log?.warn(
        `Graph sendMail from ${fromMailbox} answered HTTP ${response.status}` +
          (allowed ? `; retry ${attempt + 1} after ${retryAfterMs !== undefined ? `${retryAfterMs / 1000} s (Retry-After)` : 'a backoff'}` : '; retry budget spent'),
      );
      return allowed;
    });
    try {
      await this.client
        .api(`/users/${encodeURIComponent(fromMailbox)}/sendMail`)
        .middlewareOptions([retry])
        .options({ signal: AbortSignal.timeout(this.options.timeoutMs ?? budget + 90_000) })
        .post({ message, saveToSentItems });
    } catch (error) {
      throw translate(error, fromMailbox);
    }
  }
}

function translate(error: unknown, mailbox: string): Error {
  if (!(error instanceof GraphError)) return error instanceof Error ? error : new Error(String(error));
  // A failing TokenSource surfaces wrapped in a GraphError; its own message already says what to fix.
  if (error.code === 'TokenError') return new TokenError(error.message);
  const status = typeof error.statusCode === 'number' ? error.statusCode : -1;
  const retryAfter = error.headers instanceof Headers ? error.headers.get('retry-after') : null;
  return describeGraphFailure(
    { status, code: error.code ?? undefined, message: status === -1 ? error.message || error.code || 'no answer' : error.message, retryAfterMs: parseRetryAfter(retryAfter) },
    mailbox,
  );
}
