import { QueueClient } from '@azure/storage-queue';

/**
 * Takes every visible message of one of the app's queues, decoded as the Functions host decodes it
 * (host.json: base64), hands each to `handle` as its queue function would, and deletes it.
 */
export async function takeEach<T>(
  connectionString: string,
  name: string,
  handle: (body: string, id: string) => Promise<T>,
): Promise<Array<{ body: string; result: T }>> {
  const queue = new QueueClient(connectionString, name);
  const taken: Array<{ body: string; result: T }> = [];
  for (;;) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 }).catch(() => ({
      receivedMessageItems: [],
    }));
    if (receivedMessageItems.length === 0) return taken;
    for (const m of receivedMessageItems) {
      const body = Buffer.from(m.messageText, 'base64').toString('utf8');
      taken.push({ body, result: await handle(body, m.messageId) });
      await queue.deleteMessage(m.messageId, m.popReceipt);
    }
  }
}
