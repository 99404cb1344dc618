// The sysadmin's pages' words: levels of the jurisdiction tree, kinds and states of agencies.
export const levels: Record<string, string> = { province: '省', city: '市', district: '区/县', town: '镇/街道' };
export const levelOrder = ['province', 'city', 'district', 'town'];
export const agencyKinds: Record<string, string> = { enforcement: '执法主体', supervisory: '监督机关' };
export const agencyStatus: Record<string, string> = { active: '正常', suspended: '暂停执法', revoked: '已撤销' };
export const checkNames: Record<string, string> = { documents: '文档数据库', objects: '对象存储' };

// childLevels: the levels a region below parentLevel may have (none below a town).
export function childLevels(parentLevel?: string): string[] {
  if (!parentLevel) return levelOrder;
  return levelOrder.slice(levelOrder.indexOf(parentLevel) + 1);
}
