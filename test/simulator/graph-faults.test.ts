import { M365Simulator } from '../../simulator';
import { call, token, type Reply } from './helpers';

/** How Graph's sendMail answers go wrong, and whether the mail went out each time (issue 9). */
describe('simulated Graph sendMail: accepted, refused and unknown outcomes', () => {
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

  const body = (subject = 'Released'): string =>
    JSON.stringify({
      message: { subject, toRecipients: [{ emailAddress: { address: 'alice@contoso.com' } }] },
      saveToSentItems: true,
    });

  const send = (subject?: string, init: RequestInit = {}): Promise<Reply> =>
    call(`${sim.graphEndpoint}/v1.0/users/${sender}/sendMail`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
      body: body(subject),
      ...init,
    });

  /** The error a client sees when no answer comes (fetch's errors come from another realm: read their name); undefined when one came. */
  const lost = async (promise: Promise<Reply>): Promise<{ name: string; message: string } | undefined> => {
    try {
      await promise;
      return undefined;
    } catch (error) {
      const { name, message } = error as Error;
      return { name, message };
    }
  };

  it.each([
    ['an empty body labelled application/json', 'application/json', 'application/json'],
    ['an empty body labelled text/plain', 'text/plain', 'text/plain'],
    ['no Content-Type at all', null, null],
  ])('accepted with %s: 202, empty, and the mail is sent', async (_label, contentType, expected) => {
    sim.faults.add({ service: 'graph', kind: 'accept', contentType });
    const reply = await send();
    expect(reply.status).toBe(202);
    expect(reply.raw.length).toBe(0);
    expect(reply.headers.get('content-type')).toBe(expected);
    // A client that parses this as JSON fails although the mail went out.
    expect(() => reply.json()).toThrow(SyntaxError);
    expect(sim.sentMail).toHaveLength(1);
  });

  it('accepted with Retry-After: still sent, exactly once', async () => {
    sim.faults.add({ service: 'graph', kind: 'accept', retryAfterSeconds: 5, contentType: 'application/json' });
    const reply = await send();
    expect(reply.status).toBe(202);
    expect(reply.headers.get('retry-after')).toBe('5');
    expect(sim.sentMail).toHaveLength(1);
  });

  it('accept-then-504: the mail is sent, and the client hears 504', async () => {
    sim.faults.add({ service: 'graph', kind: 'accept-then-status', status: 504 });
    const reply = await send('first');
    expect(reply.status).toBe(504);
    expect(reply.json()).toMatchObject({ error: { code: 'UnknownError' } });
    expect(sim.sentMail.map((m) => m.message.subject)).toEqual(['first']);
    // Its Sent Items copy exists: that is how a client finds out.
    expect(sim.sentItems.items).toHaveLength(1);
  });

  it('accept-then-drop: the mail is sent, and the connection closes without an answer', async () => {
    sim.faults.add({ service: 'graph', kind: 'accept-then-drop' });
    expect(await lost(send())).toEqual({ name: 'TypeError', message: 'fetch failed' });
    expect(sim.sentMail).toHaveLength(1);
    expect(sim.requests.at(-1)?.status).toBe(0);
    // The next request is answered normally.
    expect((await send()).status).toBe(202);
    expect(sim.sentMail).toHaveLength(2);
  });

  it('drop before accept: no answer and nothing sent', async () => {
    sim.faults.add({ service: 'graph', kind: 'drop' });
    expect(await lost(send())).toEqual({ name: 'TypeError', message: 'fetch failed' });
    expect(sim.sentMail).toHaveLength(0);
  });

  it.each([
    [false, 0],
    [true, 1],
  ])('hang (sent: %s): a client timeout fires, and the mail was sent %i times', async (sent, count) => {
    sim.faults.add({ service: 'graph', kind: 'hang', hangMs: 5_000, sent });
    const started = Date.now();
    const error = await lost(send(undefined, { signal: AbortSignal.timeout(300) }));
    expect(error?.name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(sim.sentMail).toHaveLength(count);
  });

  it('hang then answer: the 202 arrives late, the mail sent once', async () => {
    sim.faults.add({ service: 'graph', kind: 'hang', hangMs: 400, thenAnswer: true });
    const started = Date.now();
    const reply = await send();
    expect(reply.status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(sim.sentMail).toHaveLength(1);
  });

  it('hang without an answer ends with a closed connection, nothing sent', async () => {
    sim.faults.add({ service: 'graph', kind: 'hang', hangMs: 200 });
    expect(await lost(send())).toEqual({ name: 'TypeError', message: 'fetch failed' });
    expect(sim.sentMail).toHaveLength(0);
  });

  it.each([
    [400, 'ErrorInvalidRecipients'],
    [401, 'InvalidAuthenticationToken'],
    [403, 'ErrorAccessDenied'],
    [404, 'ErrorInvalidUser'],
    [413, 'ErrorMessageSizeExceeded'],
    [500, 'ErrorInternalServerError'],
    [502, 'BadGateway'],
    [503, 'ServiceNotAvailable'],
    [504, 'UnknownError'],
  ])('refused with %i (%s) before accepting: nothing sent', async (status, code) => {
    sim.faults.add({ service: 'graph', status });
    const reply = await send();
    expect(reply.status).toBe(status);
    expect(reply.json()).toMatchObject({ error: { code } });
    expect(sim.sentMail).toHaveLength(0);
    expect(sim.sentItems.items).toHaveLength(0);
  });

  it('throttles with 429 and Retry-After, nothing sent', async () => {
    sim.faults.add({ service: 'graph', status: 429, retryAfterSeconds: 2 });
    const reply = await send();
    expect(reply.status).toBe(429);
    expect(reply.headers.get('retry-after')).toBe('2');
    expect(sim.sentMail).toHaveLength(0);
  });

  it('applies a fault only to matching requests, as many times as asked', async () => {
    sim.faults.add({
      service: 'graph',
      kind: 'accept-then-status',
      times: 2,
      match: (req) => JSON.stringify(req.body).includes('flaky'),
    });
    expect((await send('steady')).status).toBe(202);
    expect((await send('flaky')).status).toBe(504);
    expect((await send('flaky')).status).toBe(504);
    expect((await send('flaky')).status).toBe(202);
    expect(sim.faults.pending).toBe(0);
    // Every one of them was accepted: four mails, two of which the client would think failed.
    expect(sim.sentMail.map((m) => m.message.subject)).toEqual(['steady', 'flaky', 'flaky', 'flaky']);
  });

  it('a restyled accept does not turn a refusal into a success', async () => {
    sim.grants.mailSend = 'none';
    sim.faults.add({ service: 'graph', kind: 'accept', contentType: 'application/json' });
    expect((await send()).status).toBe(403);
    expect(sim.sentMail).toHaveLength(0);
  });

  it('stop() ends a hanging request instead of waiting for it', async () => {
    const own = await M365Simulator.start();
    try {
      const ownBearer = await token(own, 'graph');
      own.faults.add({ service: 'graph', kind: 'hang', hangMs: 60_000 });
      const pending = lost(
        call(`${own.graphEndpoint}/v1.0/users/${sender}/sendMail`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${ownBearer}`, 'Content-Type': 'application/json' },
          body: body(),
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      await own.stop();
      expect(await pending).toEqual({ name: 'TypeError', message: 'fetch failed' });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await own.stop();
    }
  });

  it('rejects a fault without a usable status', () => {
    expect(() => sim.faults.add({ service: 'graph' })).toThrow(/status/);
    expect(() => sim.faults.add({ service: 'graph', kind: 'accept-then-status', status: 42 })).toThrow(/status/);
  });
});
