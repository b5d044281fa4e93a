import { OVERLAP_MS, snapshotStart, windowsBetween } from '../../shared/snapshot/snapshotQuarantine';

const now = new Date('2026-11-23T12:00:00Z');

describe('snapshot windows', () => {
  it('starts 30 days back on the first run', () => {
    expect(snapshotStart(undefined, now).toISOString()).toBe('2026-10-24T12:00:00.000Z');
  });

  it('starts at the watermark less the overlap on later runs', () => {
    expect(snapshotStart({ watermark: '2026-11-23T11:45:00Z' }, now).getTime()).toBe(
      Date.parse('2026-11-23T11:45:00Z') - OVERLAP_MS,
    );
  });

  it('never reaches further back than Exchange keeps, nor trusts a watermark from the future', () => {
    expect(snapshotStart({ watermark: '2026-01-01T00:00:00Z' }, now).toISOString()).toBe('2026-10-24T12:00:00.000Z');
    expect(snapshotStart({ watermark: '2027-01-01T00:00:00Z' }, now).getTime()).toBe(now.getTime() - OVERLAP_MS);
    expect(snapshotStart({ watermark: 'garbage' }, now).toISOString()).toBe('2026-10-24T12:00:00.000Z');
  });

  it('covers the range with consecutive windows, oldest first, without gaps', () => {
    const windows = windowsBetween(new Date('2026-11-20T06:00:00Z'), now, 86_400_000);
    expect(windows.map((w) => w.start.toISOString())).toEqual([
      '2026-11-20T06:00:00.000Z',
      '2026-11-21T06:00:00.000Z',
      '2026-11-22T06:00:00.000Z',
      '2026-11-23T06:00:00.000Z',
    ]);
    expect(windows[3].end).toEqual(now);
    for (let i = 1; i < windows.length; i++) expect(windows[i].start).toEqual(windows[i - 1].end);
  });
});
