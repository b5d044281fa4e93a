/**
 * `npm run report [-- --out DIR] [-- --days N] [-- --tenant ID]`: writes DIR/quarantine-activity.html and its PNG
 * charts (default ./report, the 30 complete UTC days before today); the last stdout line is the JSON summary.
 */
import { resolve } from 'node:path';
import type { Runtime } from '../app/runtime';
import { DEFAULT_REPORT_DAYS, RETENTION_DAYS } from '../report/days';
import { reportSummary, type ReportSummary } from '../report/renderReport';
import { writeReport } from '../report/writeReport';
import { runCommand } from './main';

export interface ReportArgs {
  out: string;
  days: number;
}

/** Parses the command's arguments; throws with one line saying what is wrong. */
export function parseReportArgs(argv: readonly string[]): ReportArgs {
  const args: ReportArgs = { out: 'report', days: DEFAULT_REPORT_DAYS };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = inline ?? argv[++i];
    if (flag === '--out') {
      if (value === undefined || value.trim() === '' || value.startsWith('--'))
        throw new Error('--out needs a directory, such as --out ./report');
      args.out = value;
    } else if (flag === '--days') {
      if (value === undefined || !/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > RETENTION_DAYS) {
        throw new Error(
          `--days needs a whole number from 1 to ${RETENTION_DAYS} (counts are kept ${RETENTION_DAYS} days)`,
        );
      }
      args.days = Number(value);
    } else {
      throw new Error(
        `Unknown argument ${JSON.stringify(argv[i]).slice(0, 60)}: expected --out DIR and/or --days N (and --tenant ID)`,
      );
    }
  }
  return args;
}

/** Reads the window's daily counts and writes the page and its charts; the summary the command prints. */
export async function runReport(
  runtime: Runtime,
  args: ReportArgs,
  now: Date = runtime.clock.now(),
): Promise<ReportSummary> {
  const data = await runtime.reportData(args.days, now);
  const files = await writeReport(resolve(args.out), data);
  runtime.log.info(`wrote ${resolve(args.out, files[0])} and ${files.length - 1} charts`);
  return reportSummary(data, files);
}

if (require.main === module) {
  void runCommand('report', (runtime, { args }) => runReport(runtime, parseReportArgs(args)));
}
