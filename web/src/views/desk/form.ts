// The logic of the desk's action forms: the fields the server describes become a form's values,
// the values become the transition's body, and a fine is set against the benchmark's tiers.
import type { components } from '../../api/schema';

export type CaseActions = components['schemas']['CaseActions'];
export type DeskAction = CaseActions['items'][number];
export type DeskField = DeskAction['fields'][number];
export type Benchmark = NonNullable<DeskAction['benchmark']>;
export type Tier = Benchmark['tiers'][number];
export type FormValue = string | number | string[] | undefined;

// initialValues are what a form starts with: the server's value, or empty of the field's type.
export function initialValues(fields: DeskField[]): Record<string, FormValue> {
  const out: Record<string, FormValue> = {};
  for (const f of fields) {
    const v = f.value as FormValue | null;
    if (f.type === 'multiselect') out[f.name] = Array.isArray(v) ? [...v] : [];
    else if (f.type === 'tags') out[f.name] = Array.isArray(v) ? v.join('、') : '';
    else if (f.type === 'money' || f.type === 'number') out[f.name] = typeof v === 'number' ? v : undefined;
    else out[f.name] = typeof v === 'string' ? v : '';
  }
  return out;
}

function empty(v: FormValue): boolean {
  return v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}

// bodyOf is the transition's body: each field at its path ("decision.fine" inside "decision"),
// what is left empty left out, and an object left with nothing in it left out too.
export function bodyOf(action: string, values: Record<string, FormValue>, fields: DeskField[] = []): Record<string, unknown> {
  const body: Record<string, unknown> = { action };
  for (const [name, raw] of Object.entries(values)) {
    const v = fields.find((f) => f.name === name)?.type === 'tags' ? splitNames(raw) : raw;
    if (empty(v)) continue;
    const path = name.split('.');
    let at = body;
    for (const key of path.slice(0, -1)) {
      if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
      at = at[key] as Record<string, unknown>;
    }
    at[path[path.length - 1]] = typeof v === 'string' ? v.trim() : v;
  }
  return body;
}

// splitNames reads a list of names written in one line, separated by 、，, ; or spaces.
export function splitNames(v: FormValue): string[] {
  if (Array.isArray(v)) return v;
  return String(v ?? '').split(/[、，,；;\s]+/).map((x) => x.trim()).filter((x) => x !== '');
}

// errorsAt places the server's field errors at the form's fields: an error of a whole object
// ("collective_discussion") at its first field; what matches no field is returned as rest.
export function errorsAt(fields: DeskField[], errors: Record<string, string>): { at: Record<string, string>; rest: string[] } {
  const at: Record<string, string> = {};
  const rest: string[] = [];
  for (const [key, msg] of Object.entries(errors)) {
    const f = fields.find((x) => x.name === key) ?? fields.find((x) => x.name.startsWith(key + '.'));
    if (f && !at[f.name]) at[f.name] = msg;
    else if (f) at[f.name] += '；' + msg;
    else rest.push(msg);
  }
  return { at, rest };
}

// tierOf is the benchmark tier a decision names, if the benchmark has it.
export function tierOf(b: Benchmark | undefined, tier: FormValue): Tier | undefined {
  return b?.tiers.find((t) => t.tier === tier);
}

export function yuan(n: number): string {
  return n.toLocaleString('zh-CN');
}

// rangeText says a tier's range of fines as a person reads it.
export function rangeText(t: Tier): string {
  if (t.max_fine === 0) return `${t.label}：不予罚款`;
  return `${t.label}：${yuan(t.min_fine)}–${yuan(t.max_fine)} 元`;
}

// outsideRange says whether a fine lies outside its tier's range (a reason is then needed).
export function outsideRange(t: Tier | undefined, fine: FormValue): boolean {
  if (!t || typeof fine !== 'number') return false;
  return fine < t.min_fine || fine > t.max_fine;
}

// newKey is an Idempotency-Key: one per opening of a form, so a double click acts once.
export function newKey(): string {
  return crypto.randomUUID();
}
