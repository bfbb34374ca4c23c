/**
 * What every card shares: the card type, template expansion (adaptivecards-templating, Adaptive
 * Cards 1.5), and how times and durations read. Each card lives in its own folder with its
 * template, the ids of its inputs and the verbs of its actions, so the template and the code that
 * reads its submissions share one set of names.
 */
import * as ACData from 'adaptivecards-templating';

export type AdaptiveCard = { readonly type: 'AdaptiveCard'; readonly version: string } & Record<
  string,
  unknown
>;

export function expand(template: object, data: object): AdaptiveCard {
  return new ACData.Template(template).expand({ $root: data }) as AdaptiveCard;
}

const londonTime = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});
/** `23 Nov, 09:00` in UK time: staff and DSLs read local time. */
export function ukTime(iso: string): string {
  return londonTime.format(new Date(iso));
}

const londonDate = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});
/** `Friday 18 December 2026` in UK time. */
export function ukDate(iso: string): string {
  return londonDate.format(new Date(iso));
}

const londonMonth = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  month: 'long',
  year: 'numeric',
});
/** `March 2033`. */
export function ukMonth(date: Date): string {
  return londonMonth.format(date);
}

export function minutesText(m: number): string {
  if (m < 60) return `${m} minutes`;
  if (m < 24 * 60) return `${Math.round(m / 60)} hour${m >= 120 ? 's' : ''}`;
  return `${Math.round(m / (24 * 60))} day${m >= 48 * 60 ? 's' : ''}`;
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
