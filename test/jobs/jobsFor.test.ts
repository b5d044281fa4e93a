import type { ReleasedMessageFacts } from '../../shared/domain/types';
import { encodeJob, jobsFor, makeJob, MAX_JOB_BYTES, parseJob } from '../../shared/jobs/notificationJob';

const recipients = Array.from({ length: 150 }, (_, i) => `member${String(i).padStart(3, '0')}@fabrikam.example`);
const facts = (id: string, to: string, by: string | undefined = 'secadmin@contoso.com'): ReleasedMessageFacts => ({
  networkMessageId: id,
  subject: 'Partner newsletter: autumn price list',
  receivedAt: '2026-11-20T09:00:00.000Z',
  recipients,
  releasedTo: to,
  releasedBy: by,
  releasedAt: '2026-11-20T10:00:00.000Z',
  quarantineType: 'TransportRule',
  policyName: 'Quarantine outbound attachments to external',
});
const mass = recipients.map((to, i) =>
  facts('5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d', to, i % 7 === 0 ? undefined : 'secadmin@contoso.com'),
);

/** The cut as it used to be computed: every candidate job encoded in full. */
function byReencoding(releases: readonly ReleasedMessageFacts[], maxBytes: number): ReturnType<typeof makeJob>[] {
  const jobs: ReturnType<typeof makeJob>[] = [];
  let part: ReleasedMessageFacts[] = [];
  for (const release of releases) {
    if (part.length > 0 && Buffer.byteLength(encodeJob(makeJob('alice@contoso.com', [...part, release]))) > maxBytes) {
      jobs.push(makeJob('alice@contoso.com', part));
      part = [release];
    } else {
      part.push(release);
    }
  }
  if (part.length > 0) jobs.push(makeJob('alice@contoso.com', part));
  return jobs;
}

describe('jobsFor: one job per message, cut only where the queue would refuse it', () => {
  it.each([MAX_JOB_BYTES, 12_000, 9_000])(
    'keeps every job within %i bytes, each as full as fits, and loses no release',
    (maxBytes) => {
      const jobs = jobsFor('alice@contoso.com', mass, maxBytes);
      for (const job of jobs) expect(Buffer.byteLength(encodeJob(job))).toBeLessThanOrEqual(maxBytes);
      // As few jobs as fit: each job plus the next job's first release would not have fitted.
      for (let i = 0; i + 1 < jobs.length; i++) {
        const grown = makeJob('alice@contoso.com', [...jobs[i].releases, jobs[i + 1].releases[0]]);
        expect(Buffer.byteLength(encodeJob(grown))).toBeGreaterThan(maxBytes);
      }
      expect(jobs.flatMap((j) => j.releases.map((r) => r.releasedTo)).sort()).toEqual([...recipients].sort());
      // What goes on the wire reads back as the same releases, under the same id.
      for (const job of jobs) {
        const back = parseJob(encodeJob(job));
        expect([back.jobId, back.releases.map((r) => `${r.releasedTo}|${r.releasedBy ?? ''}`)]).toEqual([
          job.jobId,
          job.releases.map((r) => `${r.releasedTo}|${r.releasedBy ?? ''}`),
        ]);
      }
      // The same cut as re-encoding every candidate (how it was done before, quadratic) would make.
      expect(jobs.map((j) => j.jobId)).toEqual(byReencoding(mass, maxBytes).map((j) => j.jobId));
    },
  );

  it('makes a release to all of 150 recipients one job, and another message a job of its own', () => {
    const jobs = jobsFor('alice@contoso.com', [
      ...mass,
      facts('11111111-2222-4333-8444-555555555555', 'carol@fabrikam.example'),
    ]);
    expect(jobs.map((j) => j.releases.length).sort((a, b) => a - b)).toEqual([1, 150]);
  });

  it('cuts 1,000 releases of one message in well under a second (it was quadratic)', () => {
    const many = Array.from({ length: 1000 }, (_, i) =>
      facts('5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d', `r${i}@fabrikam.example`),
    );
    const t0 = performance.now();
    const jobs = jobsFor('alice@contoso.com', many);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(jobs.reduce((n, j) => n + j.releases.length, 0)).toBe(1000);
  });
});
