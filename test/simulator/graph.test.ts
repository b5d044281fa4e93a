import { M365Simulator, MAILBOX_CONCURRENCY_MESSAGE } from '../../simulator';
import { call, token, type Reply } from './helpers';

interface GraphError {
  error: { code: string; message: string };
}

describe('simulated Microsoft Graph sendMail', () => {
  let sim: M365Simulator;
  let bearer: string;
  const sender = 'quarantine-notices@contoso.com';

  beforeAll(async () => {
    sim = await M365Simulator.start();
    bearer = await token(sim, 'graph');
  });

  beforeEach(() => sim.reset());

  afterAll(async () => {
    await sim.stop();
  });

  const message = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    subject: 'Your message "Q3 pricing sheet" was released',
    body: { contentType: 'HTML', content: '<p>Released.</p>' },
    toRecipients: [{ emailAddress: { address: 'alice@contoso.com' } }],
    internetMessageHeaders: [{ name: 'X-Quarantine-Release-Job', value: 'job-1' }],
    ...overrides,
  });

  const send = (body: unknown, mailbox = sender, auth = bearer): Promise<Reply> =>
    call(`${sim.graphEndpoint}/v1.0/users/${encodeURIComponent(mailbox)}/sendMail`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${auth}`, 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const errorOf = (reply: Reply): GraphError['error'] => reply.json<GraphError>().error;

  it('accepts a valid message with 202 and no body, and records it', async () => {
    const reply = await send({ message: message(), saveToSentItems: false });
    expect(reply.status).toBe(202);
    expect(reply.text).toBe('');
    expect(sim.sentMail).toHaveLength(1);
    expect(sim.sentMail[0]).toMatchObject({ mailbox: sender, saveToSentItems: false, message: message() });
    expect(sim.sentMail[0].message.internetMessageHeaders).toEqual([
      { name: 'X-Quarantine-Release-Job', value: 'job-1' },
    ]);
    expect(sim.sentMail[0].at).toBeInstanceOf(Date);
  });

  it('defaults saveToSentItems to true, like Graph', async () => {
    expect((await send({ message: message() })).status).toBe(202);
    expect(sim.sentMail[0].saveToSentItems).toBe(true);
  });

  it('refuses without Mail.Send, or outside the RBAC scope, with 403 ErrorAccessDenied', async () => {
    sim.grants.mailSend = 'none';
    const none = await send({ message: message() });
    expect(none.status).toBe(403);
    expect(none.json()).toMatchObject({
      error: { code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' },
    });

    sim.grants.mailSend = ['someone-else@contoso.com'];
    expect((await send({ message: message() })).status).toBe(403);

    sim.grants.mailSend = [sender.toUpperCase()];
    expect((await send({ message: message() })).status).toBe(202);
    expect(sim.sentMail).toHaveLength(1);
  });

  it('answers 404 ErrorInvalidUser for a mailbox that does not exist', async () => {
    const reply = await send({ message: message() }, 'nobody@contoso.com');
    expect(reply.status).toBe(404);
    expect(errorOf(reply).code).toBe('ErrorInvalidUser');
  });

  it('answers 401 for a missing token or one issued for another service', async () => {
    expect((await send({ message: message() }, sender, '')).status).toBe(401);
    const exchangeToken = await token(sim, 'exchange');
    const reply = await send({ message: message() }, sender, exchangeToken);
    expect(reply.status).toBe(401);
    expect(errorOf(reply).code).toBe('InvalidAuthenticationToken');
  });

  it.each([
    ['no message', {}, 'ErrorInvalidParameter'],
    ['invalid JSON', '{"message":', 'BadRequest'],
    ['an unknown parameter', { message: message(), saveToSentItem: false }, 'BadRequest'],
    ['an unknown message property', { message: message({ toRecipient: [] }) }, 'RequestBodyRead'],
    ['no recipients', { message: message({ toRecipients: [] }) }, 'ErrorInvalidRecipients'],
    [
      'a recipient without emailAddress',
      { message: message({ toRecipients: [{ address: 'alice@contoso.com' }] }) },
      'RequestBodyRead',
    ],
    [
      'an invalid recipient address',
      { message: message({ toRecipients: [{ emailAddress: { address: 'alice' } }] }) },
      'ErrorInvalidRecipients',
    ],
    [
      'a body contentType other than HTML or Text',
      { message: message({ body: { contentType: 'markdown', content: 'x' } }) },
      'RequestBodyRead',
    ],
    [
      'a header not starting with x-',
      { message: message({ internetMessageHeaders: [{ name: 'Quarantine-Job', value: '1' }] }) },
      'InvalidInternetMessageHeader',
    ],
    [
      'a header value with CR/LF',
      { message: message({ internetMessageHeaders: [{ name: 'x-job', value: 'a\r\nBcc: evil@example.com' }] }) },
      'InvalidInternetMessageHeader',
    ],
    ['a non-boolean saveToSentItems', { message: message(), saveToSentItems: 'false' }, 'RequestBodyRead'],
  ])('refuses %s with 400 %s', async (_label, body, code) => {
    const reply = await send(body);
    expect(reply.status).toBe(400);
    expect(errorOf(reply).code).toBe(code);
    expect(sim.sentMail).toHaveLength(0);
  });

  it('accepts Text bodies, lower-case x- headers and cc/bcc-only recipients', async () => {
    const reply = await send({
      message: message({
        body: { contentType: 'Text', content: 'Released.' },
        toRecipients: undefined,
        bccRecipients: [{ emailAddress: { address: 'alice@contoso.com', name: 'Alice' } }],
        internetMessageHeaders: [{ name: 'x-job', value: '1' }],
      }),
    });
    expect(reply.status).toBe(202);
  });

  it('refuses more than 4 concurrent requests per mailbox with 429 and Retry-After', async () => {
    sim.latencyMs.graph = 300;
    const replies = await Promise.all(Array.from({ length: 6 }, () => send({ message: message() })));
    const throttled = replies.filter((reply) => reply.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(1);
    expect(errorOf(throttled[0]).message).toBe(MAILBOX_CONCURRENCY_MESSAGE);
    expect(throttled[0].headers.get('retry-after')).toMatch(/^\d+$/);
    expect(sim.sentMail).toHaveLength(6 - throttled.length);
    expect(sim.peakInFlight.graph).toBeGreaterThan(4);
  });

  it('answers injected faults before anything else', async () => {
    sim.faults.add({ service: 'graph', status: 429, retryAfterSeconds: 3 });
    sim.faults.add({ service: 'graph', status: 503 });
    sim.faults.add({ service: 'graph', status: 403 });
    const first = await send({ message: message() });
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect(errorOf(first).message).toBe(MAILBOX_CONCURRENCY_MESSAGE);
    expect((await send({ message: message() })).status).toBe(503);
    const denied = await send({ message: message() });
    expect(denied.status).toBe(403);
    expect(errorOf(denied).code).toBe('ErrorAccessDenied');
    expect((await send({ message: message() })).status).toBe(202);
    expect(sim.sentMail).toHaveLength(1);
  });
});
