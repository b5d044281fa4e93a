import { reportWindow } from './days';
import type { ActivityStore } from './ports';
import type { ReportData } from './reportData';

/** The report of `days` UTC days ending with the day of `end` (inclusive): three aggregate reads a day, whatever the volume. */
export async function loadReportData(store: Pick<ActivityStore, 'readDays'>, end: Date, days: number | undefined, generatedAt: Date): Promise<ReportData> {
  const window = reportWindow(end, days);
  const { activity, arrivals, told } = await store.readDays(window.from, window.to);
  return { window, activity, arrivals, generatedAt, ...(told ? { told } : {}) };
}
