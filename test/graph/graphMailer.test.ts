import { RetryableError } from '../../shared/http/retry';
import { describeGraphFailure, graphRetryAllowed, MailerError } from '../../shared/graph/graphMailer';

const MAILBOX = 'notices@contoso.com';
const failure = (status: number, code?: string, message?: string, retryAfterMs?: number) => describeGraphFailure({ status, code, message, retryAfterMs }, MAILBOX);

describe('describeGraphFailure', () => {
  it('403 names Mail.Send, the mailbox and the RBAC for Applications command', () => {
    const error = failure(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    expect(error).toBeInstanceOf(MailerError);
    expect(error.message).toMatch(/Mail\.Send is not granted to the app, or not scoped to NOTIFY_SENDER_MAILBOX notices@contoso\.com/);
    expect(error.message).toMatch(/New-ManagementRoleAssignment .*-Role 'Application Mail\.Send' -CustomResourceScope/);
    expect(error.message).toMatch(/up to an hour/);
  });

  it('404 says the mailbox does not exist', () => {
    expect(failure(404, 'ErrorInvalidUser', "The requested user 'notices@contoso.com' is invalid.").message).toMatch(/NOTIFY_SENDER_MAILBOX notices@contoso\.com does not exist/);
  });

  it("400 passes on Graph's own message; 401 points at the token and consent", () => {
    expect(failure(400, 'ErrorInvalidRecipients', 'At least one recipient is not valid.').message).toMatch(/At least one recipient is not valid/);
    expect(failure(401, 'InvalidAuthenticationToken', 'Access token has expired.').message).toMatch(/token.*consent/);
  });

  it('throttling, 5xx and no answer are retryable, keeping Retry-After', () => {
    const throttled = failure(429, 'ApplicationThrottled', 'MailboxConcurrency limit', 30_000);
    expect(throttled).toBeInstanceOf(RetryableError);
    expect((throttled as RetryableError).retryAfterMs).toBe(30_000);
    expect(failure(503)).toBeInstanceOf(RetryableError);
    expect(failure(504)).toBeInstanceOf(RetryableError);
    expect(failure(-1, 'TimeoutError', 'The operation was aborted due to timeout')).toBeInstanceOf(RetryableError);
  });

  it('keeps control characters from Graph out of the log line', () => {
    expect(failure(400, 'X', 'bad\r\nInjected: yes').message).not.toMatch(/[\r\n]/);
  });
});

describe('graphRetryAllowed', () => {
  it('follows Retry-After while the attempt stays within its budget', () => {
    expect(graphRetryAllowed(0, 1000, 150_000)).toBe(true);
    expect(graphRetryAllowed(140_000, 5000, 150_000)).toBe(true);
    expect(graphRetryAllowed(140_000, 30_000, 150_000)).toBe(false);
    expect(graphRetryAllowed(0, 300_000, 150_000)).toBe(false);
    expect(graphRetryAllowed(10_000, undefined, 150_000)).toBe(true);
  });
});
