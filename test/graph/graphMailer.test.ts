import { classifyStatus, describeRefusal, graphRetryAllowed } from '../../shared/graph/graphMailer';

const MAILBOX = 'notices@contoso.com';
const refusal = (status: number, code?: string, message?: string) => describeRefusal(status, code, message, MAILBOX);

describe('describeRefusal', () => {
  it('403 names Mail.Send, the mailbox and the RBAC for Applications command', () => {
    const text = refusal(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    expect(text).toMatch(
      /Mail\.Send is not granted to the app, or not scoped to NOTIFY_SENDER_MAILBOX notices@contoso\.com/,
    );
    expect(text).toMatch(/New-ManagementRoleAssignment .*-Role 'Application Mail\.Send' -CustomResourceScope/);
    expect(text).toMatch(/up to an hour/);
  });

  it('404 says the mailbox does not exist', () => {
    expect(refusal(404, 'ErrorInvalidUser', "The requested user 'notices@contoso.com' is invalid.")).toMatch(
      /NOTIFY_SENDER_MAILBOX notices@contoso\.com does not exist/,
    );
  });

  it("400 passes on Graph's own message; 401 points at the token and consent", () => {
    expect(refusal(400, 'ErrorInvalidRecipients', 'At least one recipient is not valid.')).toMatch(
      /At least one recipient is not valid/,
    );
    expect(refusal(401, 'InvalidAuthenticationToken', 'Access token has expired.')).toMatch(/token.*consent/);
  });

  it('keeps control characters from Graph out of the log line', () => {
    expect(refusal(400, 'X', 'bad\r\nInjected: yes')).not.toMatch(/[\r\n]/);
  });
});

describe('classifyStatus: what an answer to a send means', () => {
  it('any 2xx is accepted, whatever it is', () => {
    for (const status of [200, 201, 202, 204, 299]) expect(classifyStatus(status)).toBe('accepted');
  });

  it('4xx were not taken', () => {
    for (const status of [400, 401, 403, 404, 408, 413, 429]) expect(classifyStatus(status)).toBe('refused');
  });

  it('5xx may have been sent: unknown, never retried blindly', () => {
    for (const status of [500, 502, 503, 504]) expect(classifyStatus(status)).toBe('unknown');
  });
});

describe('graphRetryAllowed', () => {
  it('follows Retry-After of a 429 while the attempt stays within its budget', () => {
    expect(graphRetryAllowed(0, 1000, 150_000)).toBe(true);
    expect(graphRetryAllowed(140_000, 5000, 150_000)).toBe(true);
    expect(graphRetryAllowed(140_000, 30_000, 150_000)).toBe(false);
    expect(graphRetryAllowed(0, 300_000, 150_000)).toBe(false);
    expect(graphRetryAllowed(10_000, undefined, 150_000)).toBe(true);
  });

  it('never lets the client retry a 503 or 504: the mail may have gone out', () => {
    expect(graphRetryAllowed(0, 1000, 150_000, 503)).toBe(false);
    expect(graphRetryAllowed(0, undefined, 150_000, 504)).toBe(false);
  });
});
