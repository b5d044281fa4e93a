import type { TokenSource } from '../auth/credential';
import { excerpt, isRecord, retryableStatus, send, tryJson, type HttpAnswer } from '../http/json';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../http/retry';
import type { Logger } from '../log/logger';
import type { CodedError } from '../domain/errors';
import type { AuditFeed, ContentBlob } from '../detect/ports';

export const CONTENT_TYPE = 'Audit.General';

/** A failure an admin (or, for window errors, a developer) has to act on. */
export class AuditFeedError extends Error implements CodedError {
  readonly code = 'audit-feed' as const;
  constructor(
    message: string,
    /** The feed's own code (AF10001...). */
    readonly serviceCode: string | undefined,
    readonly status: number,
  ) {
    super(message);
    this.name = 'AuditFeedError';
  }
}

export interface ManagementClientOptions {
  endpoint: string;
  tenantId: string;
  /**
   * PublisherIdentifier: the tenant of whoever runs the code, not the customer's (Microsoft's reference),
   * which gives the app its own throttling quota. A service provider's deployment: its own tenant.
   */
  publisherTenantId?: string;
  token: TokenSource;
  log: Logger;
  retry?: RetryPolicy;
}

function errorCode(body: unknown): { code: string | undefined; message: string | undefined } {
  if (!isRecord(body) || !isRecord(body.error)) return { code: undefined, message: undefined };
  const { code, message } = body.error;
  return {
    code: typeof code === 'string' ? code : undefined,
    message: typeof message === 'string' ? message : undefined,
  };
}

/** Office 365 Management Activity API, content type Audit.General. */
export class ManagementActivityClient implements AuditFeed {
  private readonly base: string;

  private get publisher(): string {
    return this.options.publisherTenantId ?? this.options.tenantId;
  }

  constructor(private readonly options: ManagementClientOptions) {
    this.base = `${options.endpoint}/api/v1.0/${encodeURIComponent(options.tenantId)}/activity/feed`;
  }

  async ensureSubscription(): Promise<'enabled' | 'started'> {
    const list = await this.call('GET', `${this.base}/subscriptions/list`, 'list audit subscriptions');
    const subscriptions = tryJson(list.text);
    const current = Array.isArray(subscriptions)
      ? subscriptions.find((s) => isRecord(s) && s.contentType === CONTENT_TYPE)
      : undefined;
    if (isRecord(current) && typeof current.status === 'string' && current.status.toLowerCase() === 'enabled')
      return 'enabled';
    const started = await this.call(
      'POST',
      `${this.base}/subscriptions/start?contentType=${CONTENT_TYPE}`,
      'start the Audit.General subscription',
      ['AF20024'],
    );
    if (started.status === 400) return 'enabled'; // AF20024: already enabled, which is what we wanted
    this.options.log.info(
      'Started the Audit.General subscription; new audit content can take up to 12 hours to appear the first time.',
    );
    return 'started';
  }

  async listContent(start: Date, end: Date): Promise<ContentBlob[]> {
    const blobs: ContentBlob[] = [];
    let url: string | undefined =
      `${this.base}/subscriptions/content?contentType=${CONTENT_TYPE}` +
      `&startTime=${encodeURIComponent(start.toISOString().slice(0, 19))}&endTime=${encodeURIComponent(end.toISOString().slice(0, 19))}`;
    for (let page = 0; url && page < 10_000; page++) {
      const answer = await this.call('GET', url, 'list audit content');
      const items = tryJson(answer.text);
      if (!Array.isArray(items))
        throw new AuditFeedError(
          `Listing audit content answered without a JSON array: ${excerpt(answer.text, 120)}`,
          undefined,
          answer.status,
        );
      for (const item of items) {
        if (!isRecord(item)) continue;
        const { contentId, contentUri, contentCreated } = item;
        if (typeof contentId === 'string' && typeof contentUri === 'string' && typeof contentCreated === 'string')
          blobs.push({ contentId, contentUri, contentCreated });
      }
      const next = answer.headers.get('NextPageUri');
      url = next ? this.sameOrigin(next, 'NextPageUri') : undefined;
    }
    return blobs;
  }

  async fetchContent(blob: ContentBlob): Promise<unknown[]> {
    const answer = await this.call(
      'GET',
      this.sameOrigin(blob.contentUri, 'contentUri'),
      `fetch audit content ${blob.contentId}`,
    );
    const records = tryJson(answer.text);
    if (!Array.isArray(records))
      throw new AuditFeedError(`Audit content ${blob.contentId} is not a JSON array`, undefined, answer.status);
    return records;
  }

  /** Our bearer token only ever goes to the Management API's own origin, whatever a response links to. */
  private sameOrigin(link: string, what: string): string {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      throw new AuditFeedError(`The audit feed returned a ${what} that is not a URL`, undefined, 200);
    }
    if (url.origin !== new URL(this.options.endpoint).origin) {
      throw new AuditFeedError(
        `The audit feed returned a ${what} outside ${this.options.endpoint} (${url.origin}); refusing to send the token there`,
        undefined,
        200,
      );
    }
    const query = new URLSearchParams(url.search);
    if (!query.has('PublisherIdentifier')) query.set('PublisherIdentifier', this.publisher);
    url.search = query.toString();
    return url.href;
  }

  private call(method: 'GET' | 'POST', url: string, what: string, acceptedCodes: string[] = []): Promise<HttpAnswer> {
    const withPublisher = url.includes('PublisherIdentifier=')
      ? url
      : `${url}${url.includes('?') ? '&' : '?'}PublisherIdentifier=${encodeURIComponent(this.publisher)}`;
    return withRetry(
      async () => {
        const answer = await send(
          withPublisher,
          { method, headers: { Authorization: `Bearer ${await this.options.token()}`, Accept: 'application/json' } },
          what,
        );
        if (answer.status >= 200 && answer.status < 300) return answer;
        const { code, message } = errorCode(tryJson(answer.text));
        if (code && acceptedCodes.includes(code)) return answer;
        const retryable = retryableStatus(answer, what);
        if (retryable) throw retryable;
        throw explain(what, answer, code, message);
      },
      this.options.retry ?? DEFAULT_RETRY,
      (error, delay, attempt) => this.options.log.warn(`${error.message}; retry ${attempt} in ${delay} ms`),
    );
  }
}

function explain(
  what: string,
  answer: HttpAnswer,
  code: string | undefined,
  message: string | undefined,
): AuditFeedError {
  const detail = `${code ? `${code}: ` : ''}${message ?? excerpt(answer.text, 200)}`;
  if (code === 'AF10001' || answer.status === 401 || answer.status === 403) {
    return new AuditFeedError(
      `Could not ${what} (${detail}): the app lacks the ActivityFeed.Read application permission on "Office 365 Management APIs". ` +
        'Grant it with infra/grant-permissions.ps1 and admin consent.',
      code,
      answer.status,
    );
  }
  if (code === 'AF20010' || code === 'AF20013') {
    return new AuditFeedError(
      `Could not ${what} (${detail}): M365_TENANT_ID does not match the tenant the app signs in to (AZURE_TENANT_ID, or the managed identity's tenant). Set both to the same tenant GUID.`,
      code,
      answer.status,
    );
  }
  // With auditing off, starting a subscription answers a code that is no AF code ("StartSubscription [CorrId=...")
  // and a message that the tenant "does not exist".
  const auditingOff = code?.startsWith('StartSubscription') === true || /tenant .* does not exist/i.test(message ?? '');
  if (auditingOff || code === 'AF20011' || code === 'AF20012' || code === 'AF20022' || code === 'AF20023') {
    return new AuditFeedError(
      `Could not ${what} (${detail}): unified audit logging may be turned off for the tenant, or the Audit.General subscription was disabled. ` +
        'Turn auditing on (Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true) and wait for it to apply; the subscription is started again automatically.',
      code,
      answer.status,
    );
  }
  if (code === 'AF20051' || code === 'AF20055' || code === 'AF20030' || code === 'AF20054' || code === 'AF20056') {
    return new AuditFeedError(
      `BUG: the audit window sent to ${what} was rejected (${detail}). Please report this with the log line.`,
      code,
      answer.status,
    );
  }
  return new AuditFeedError(`Could not ${what} (HTTP ${answer.status}, ${detail})`, code, answer.status);
}
