import type { DoctorCheck } from '../checks/check';
import { storageCredential } from '../auth/credential';
import { QUEUE_NAME } from '../jobs/delivery';
import { queueClient } from '../queue/storageQueue';
import { lazyStorageClient, storageEndpoint } from './storageErrors';

/** Storage: the tables, and the queue too (with identity-based storage its role is granted apart). */
export const storageCheck: DoctorCheck<{ state(): Promise<unknown> }> = {
  name: 'storage',
  needs: (ctx) => ctx.broken('AzureWebJobsStorage'),
  run: async ({ runtime, settings }) => {
    await runtime.state();
    const queue = lazyStorageClient(
      () => queueClient(settings.storage, QUEUE_NAME, () => storageCredential(settings.storage)),
      settings.storage,
      'Queue Storage',
    );
    await queue.createIfNotExists();
    const how = settings.storage.kind === 'identity' ? " with the app's identity" : '';
    return `reached Table Storage at ${storageEndpoint(settings.storage, 'Table Storage')} and Queue Storage at ${storageEndpoint(settings.storage, 'Queue Storage')}${how}`;
  },
};
