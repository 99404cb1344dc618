// 双随机: the agency's admin plans a draw of two enterprises in the console and makes it, and
// reads who inspects whom; the supervisor then finds the drawn draw among that agency's draws
// and reads its result.
// Usage: node supervision-draws.cjs BASE SHOTS ADMIN SUPERVISOR PASSWORD AGENCY_NAME
const { launch, open, axe, shot, newReport, signIn } = require('./lib.cjs');

(async () => {
  const [base, dir, admin, supervisor, password, agencyName] = process.argv.slice(2);
  const report = newReport();
  const browser = await launch();
  try {
    const { page } = await open(browser, base, report);
    await signIn(page, base, admin, password);
    await page.locator('.el-menu-item', { hasText: '双随机抽查' }).click();
    await page.getByRole('heading', { name: '双随机抽查' }).waitFor({ timeout: 15000 });
    await page.getByRole('button', { name: '新建抽查' }).click();
    const dlg = page.getByRole('dialog', { name: '新建双随机抽查' });
    await dlg.getByLabel('抽取企业数').fill('2');
    await dlg.getByLabel('行业').fill('餐饮');
    await axe(page, 'supervision-draw-new', report);
    await dlg.getByRole('button', { name: /^确定/ }).click();
    await dlg.waitFor({ state: 'hidden', timeout: 10000 });
    const row = page.locator('.el-table__row').first();
    await row.getByText('待抽取').waitFor({ timeout: 10000 });
    await row.getByRole('button', { name: '抽取' }).click();
    const res = page.getByRole('dialog', { name: '抽查结果' });
    await res.locator('.el-table__row').first().waitFor({ timeout: 15000 });
    report.seen.picked = String(await res.locator('.el-table__row').count());
    report.seen.inspectors = (await res.locator('.el-table__row').first().locator('td').nth(2).textContent()).trim();
    await axe(page, 'supervision-draw-result', report);
    await shot(page, dir, 'admin-draw-result');
    await res.getByRole('button', { name: /关闭|Close/ }).first().click().catch(() => page.keyboard.press('Escape'));
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.getByLabel('用户名').waitFor({ timeout: 10000 });

    await signIn(page, base, supervisor, password);
    await page.locator('.el-menu-item', { hasText: '双随机抽查' }).click();
    await page.getByRole('heading', { name: '双随机抽查' }).waitFor({ timeout: 15000 });
    await page.locator('.search .el-select').click();
    await page.locator('.el-select-dropdown__item', { hasText: agencyName }).first().click();
    const srow = page.locator('.el-table__row').first();
    await srow.getByText('已抽取').waitFor({ timeout: 10000 });
    await srow.getByRole('button', { name: '查看结果' }).click();
    const sres = page.getByRole('dialog', { name: '抽查结果' });
    await sres.locator('.el-table__row').first().waitFor({ timeout: 10000 });
    report.seen.supervisorPicked = String(await sres.locator('.el-table__row').count());
    report.seen.supervisorInspectors = (await sres.locator('.el-table__row').first().locator('td').nth(2).textContent()).trim();
    await axe(page, 'supervision-draws', report);
    await shot(page, dir, 'supervisor-draws');
  } catch (err) {
    report.errors.push('journey: ' + String(err && err.message || err));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
})();
