// What a complaint is about, in words: the inspection's matter or the case's number from the
// enterprise's own lists, never an id.
import { api } from '../../api/client';
import type { components } from '../../api/schema';
import { chinaDay } from '../../util/dates';

type Complaint = components['schemas']['Complaint'];

export async function subjectNamer(): Promise<(c: Complaint) => string> {
  const [ins, cs] = await Promise.all([api.GET('/v1/enterprise/inspections'), api.GET('/v1/enterprise/cases')]);
  const inspections = new Map((ins.data?.items ?? []).map((i) => [i.id, (i.planned_on ? chinaDay(i.planned_on) + ' ' : '') + i.agency + '的检查（' + i.matter + '）']));
  const cases = new Map((cs.data?.items ?? []).map((c) => [c.id, '案件 ' + c.number]));
  return (c) => {
    if (c.subject === 'inspection') return inspections.get(c.inspection_id ?? '') ?? '一次检查';
    if (c.subject === 'case') return cases.get(c.case_id ?? '') ?? '一个案件';
    return '执法人员（证号 ' + (c.certificate_no ?? '') + '）';
  };
}
