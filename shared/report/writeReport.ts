import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderCharts } from './charts';
import { REPORT_HTML_FILE, reportHtml } from './renderReport';
import type { ReportData } from './reportData';

/** Writes a file whole or not at all: a reader never sees half a page or half a PNG. */
async function writeWhole(path: string, bytes: string | Buffer): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
}

/** Writes the HTML page and its PNG charts into `dir` (created if missing); returns the file names, the page first. */
export async function writeReport(dir: string, data: ReportData): Promise<string[]> {
  const charts = renderCharts(data);
  await mkdir(dir, { recursive: true });
  // Charts first, so the page never points at an image that is not there yet.
  for (const chart of charts) await writeWhole(join(dir, chart.name), chart.png);
  await writeWhole(join(dir, REPORT_HTML_FILE), reportHtml(data, charts));
  return [REPORT_HTML_FILE, ...charts.map((c) => c.name)];
}
