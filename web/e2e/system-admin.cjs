// The sysadmin at work: adds a province and a city under it in the jurisdiction tree, suspends
// an agency with the day it was announced and reads the change in the adjustment record, finds
// the agency's admin among the users, opens the system's health and starts a backup there.
// Usage: node system-admin.cjs BASE SHOTS USER PASSWORD AGENCY_NAME; prints the report.
const { launch, open, axe, shot, newReport, signIn } = require('./lib.cjs');

async function menu(page, name) {
  await page.getByRole('menuitem', { name }).click();
  await page.getByRole('heading', { name, level: 1 }).waitFor({ timeout: 10000 });
}

(async () => {
  const [base, dir, user, password, agencyName] = process.argv.slice(2);
  const report = newReport();
  const browser = await launch();
  try {
    const { page } = await open(browser, base, report);
    await signIn(page, base, user, password);

    await menu(page, '辖区管理');
    await page.getByRole('button', { name: '新增顶级辖区' }).click();
    let dialog = page.getByRole('dialog', { name: '新增顶级辖区' });
    await dialog.getByLabel('名称').fill('松江省');
    await dialog.getByRole('radio', { name: '省' }).check({ force: true });
    await dialog.getByRole('button', { name: '保存' }).click();
    const province = page.getByRole('treeitem', { name: /松江省/ });
    await province.waitFor({ timeout: 10000 });
    await province.locator('.el-tree-node__content').first().click();
    await page.getByRole('button', { name: '在所选辖区下新增' }).click();
    dialog = page.getByRole('dialog', { name: '在“松江省”下新增辖区' });
    await dialog.getByLabel('名称').fill('青松市');
    report.seen.levels = (await dialog.locator('.el-radio').allTextContents()).map((s) => s.trim()).join(',');
    await dialog.getByLabel('行政区划代码').fill('12');
    await dialog.getByRole('button', { name: '保存' }).click();
    await dialog.locator('.el-form-item__error').first().waitFor({ timeout: 10000 });
    report.seen.codeError = (await dialog.locator('.el-form-item__error').first().textContent()).trim();
    await dialog.getByLabel('行政区划代码').fill('');
    await dialog.getByRole('button', { name: '保存' }).click();
    await page.getByRole('treeitem', { name: /青松市/ }).waitFor({ timeout: 10000 });
    report.seen.chosen = (await page.locator('.el-descriptions').textContent()).replace(/\s+/g, '');
    await axe(page, 'jurisdictions', report);
    await shot(page, dir, 'system-jurisdictions');

    await menu(page, '执法主体与监督机关');
    const row = page.locator('.el-table__row', { hasText: agencyName });
    await row.waitFor({ timeout: 10000 });
    await axe(page, 'agencies', report);
    await shot(page, dir, 'system-agencies');
    await page.getByRole('button', { name: '登记主体' }).click();
    let d = page.getByRole('dialog', { name: '登记主体' });
    await d.waitFor();
    await axe(page, 'agency-add', report);
    await shot(page, dir, 'system-agency-add');
    await d.getByRole('button', { name: '取消' }).click();
    await d.waitFor({ state: 'hidden' });
    await row.getByRole('button', { name: '变更状态' }).click();
    dialog = page.getByRole('dialog', { name: /变更状态/ });
    await dialog.getByRole('radio', { name: '暂停执法' }).check({ force: true });
    report.seen.announcedDefault = await dialog.getByLabel('公告日期').inputValue();
    await axe(page, 'agency-status', report);
    await shot(page, dir, 'system-agency-status');
    await dialog.getByRole('button', { name: '确认变更' }).click();
    await row.getByText('暂停执法').waitFor({ timeout: 10000 });
    report.seen.row = (await row.textContent()).replace(/\s+/g, ' ');
    await row.getByRole('button', { name: '调整记录' }).click();
    const drawer = page.getByRole('dialog', { name: /调整记录/ });
    const rec = drawer.locator('.el-table__row', { hasText: '暂停执法' });
    await rec.waitFor({ timeout: 10000 });
    report.seen.record = (await rec.textContent()).replace(/\s+/g, ' ');
    await axe(page, 'adjustments', report);
    await shot(page, dir, 'system-adjustments');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });

    await menu(page, '用户管理');
    await page.locator('.el-table__row').first().waitFor({ timeout: 10000 });
    report.seen.users = String(await page.locator('.el-table__row').count());
    await axe(page, 'users', report);
    await shot(page, dir, 'system-users');
    await page.getByRole('button', { name: '新增用户' }).click();
    d = page.getByRole('dialog', { name: /新增用户/ });
    await d.waitFor();
    await axe(page, 'user-add', report);
    await shot(page, dir, 'system-user-add');
    await d.getByRole('button', { name: '取消' }).click();
    await d.waitFor({ state: 'hidden' });

    await menu(page, '系统状态');
    await page.getByRole('status').filter({ hasText: '运行正常' }).waitFor({ timeout: 10000 });
    report.seen.health = (await page.locator('.checks').textContent()).replace(/\s+/g, '');
    await page.locator('.stats').waitFor({ timeout: 10000 });
    report.seen.stats = (await page.locator('.stats').textContent()).replace(/\s+/g, '');
    await page.getByRole('button', { name: '立即备份' }).click();
    const backupRow = page.locator('.backups .el-table__row').first();
    await backupRow.getByText('完整').waitFor({ timeout: 15000 });
    report.seen.backup = (await backupRow.locator('.el-tag').textContent()).trim();
    await axe(page, 'health', report);
    await shot(page, dir, 'system-health');
  } catch (err) {
    report.errors.push('journey: ' + String(err && err.message || err));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
})();
