// Dates a person reads are China's calendar days, whatever the browser's own zone.
const day = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
const minute = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
});

function parts(f: Intl.DateTimeFormat, d: Date): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(d)) out[p.type] = p.value;
  return out;
}

// chinaDay is the China calendar day of an instant, as 2026-12-02; '' for none.
export function chinaDay(value?: string | null): string {
  if (!value) return '';
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value; // already a day
  const d = new Date(value);
  if (isNaN(d.getTime())) return '';
  const p = parts(day, d);
  return `${p.year}-${p.month}-${p.day}`;
}

// chinaTime is the China time of an instant to the minute, as 2026-12-02 08:30.
export function chinaTime(value?: string | null): string {
  if (!value) return '';
  const d = new Date(value);
  if (isNaN(d.getTime())) return '';
  const p = parts(minute, d);
  return `${p.year}-${p.month}-${p.day} ${p.hour === '24' ? '00' : p.hour}:${p.minute}`;
}
