import type { AuditFeed } from '../detect/ports';

/**
 * The audit feed, with every record of each blob also given to `alsoRead` (the activity report's
 * counter) as detection reads it: before the blob's releases are stored and the blob is marked done,
 * so a crash in either re-reads the blob and both count it again (each counts by record Id, once).
 */
export function feedAlsoReadBy(feed: AuditFeed, alsoRead: (records: readonly unknown[]) => Promise<void>): AuditFeed {
  return {
    ensureSubscription: () => feed.ensureSubscription(),
    listContent: (start, end) => feed.listContent(start, end),
    fetchContent: async (blob) => {
      const records = await feed.fetchContent(blob);
      await alsoRead(records);
      return records;
    },
  };
}
