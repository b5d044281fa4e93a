import { releaseSource, splitNoticeItem } from '../../shared/cli/toldSource';
import { formatTold, summarizeTold } from '../../shared/cli/toldReport';

describe('npm run told: which event, which source', () => {
  it('reads the event from a ledger item, a plain recipient being a release', () => {
    expect(splitNoticeItem('bob@fabrikam.example')).toEqual({ event: 'released', recipient: 'bob@fabrikam.example' });
    expect(splitNoticeItem('held:bob@fabrikam.example')).toEqual({ event: 'held', recipient: 'bob@fabrikam.example' });
    expect(splitNoticeItem('deleted:bob@fabrikam.example')).toEqual({
      event: 'deleted',
      recipient: 'bob@fabrikam.example',
    });
    // Anything else before a colon is part of the address, not an event.
    expect(splitNoticeItem('"a:b"@x.example')).toEqual({ event: 'released', recipient: '"a:b"@x.example' });
  });

  it('names listing, audit or both, per recipient; events and other recipients do not count', () => {
    const rows = [
      { releasedTo: 'bob@x.example', source: 'listing' as const },
      { releasedTo: 'bob@x.example' },
      { releasedTo: 'carol@x.example', source: 'listing' as const },
      { releasedTo: 'dan@x.example', event: 'held' },
      { releasedTo: 'erin@x.example' },
    ];
    expect(releaseSource(rows, 'BOB@x.example')).toBe('both');
    expect(releaseSource(rows, 'carol@x.example')).toBe('listing');
    expect(releaseSource(rows, 'erin@x.example')).toBe('audit');
    expect(releaseSource(rows, 'dan@x.example')).toBeUndefined();
    expect(releaseSource([{ releasedTo: '' }], 'dan@x.example')).toBe('audit');
  });

  it('prints the event and the source, and counts them', () => {
    const base = {
      networkMessageId: '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d',
      toldAt: new Date('2026-12-01T10:00:00Z'),
      toldBy: 'accepted' as const,
      dryRun: false,
      sender: 'alice@contoso.com',
      subject: 'Hi',
    };
    const rows = [
      { ...base, releasedTo: 'bob@x.example', event: 'released' as const, source: 'listing' as const },
      { ...base, releasedTo: 'bob@x.example', event: 'held' as const },
    ];
    const lines = formatTold(rows);
    expect(lines[0]).toContain('released to bob@x.example (seen in: listing)');
    expect(lines[1]).toContain('held for bob@x.example');
    expect(summarizeTold(rows, new Date(0))).toMatchObject({
      byEvent: { released: 1, held: 1 },
      bySource: { listing: 1 },
    });
  });
});
