// The supervisor reviews case files and reads the scorecard: starts a review round sampling two
// files, scores one against the rubric with the case file beside the form (a one-character
// finding is refused at its field first), reads the round's report, opens the scorecard with
// its chart and the indicators' definitions, the statistics and the problem list (where the
// finding is now a rectification task).
// Usage: node supervision-review.cjs BASE SHOTS SUPERVISOR PASSWORD
const { launch, open, axe, shot, newReport, signIn } = require('./lib.cjs');

(async () => {
  const [base, dir, user, password] = process.argv.slice(2);
  const report = newReport();
  const browser = await launch();
  try {
    const { page } = await open(browser, base, report);
    await signIn(page, base, user, password);
    await page.locator('.el-menu-item', { hasText: '案卷评查' }).click();
    await page.getByRole('heading', { name: '案卷评查' }).waitFor({ timeout: 15000 });
    await page.getByRole('button', { name: '评查标准' }).click();
    const rub = page.getByRole('dialog', { name: '评查标准' });
    await rub.locator('.el-table__row').first().waitFor({ timeout: 10000 });
    report.seen.rubricItems = String(await rub.locator('.el-table__row').count());
    await axe(page, 'supervision-rubric', report);
    await page.keyboard.press('Escape');
    await page.locator('.el-overlay').first().waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});
    await page.getByRole('button', { name: '新建评查' }).click();
    const dlg = page.getByRole('dialog', { name: '新建案卷评查' });
    await dlg.getByText('按件数').click();
    await dlg.getByLabel('抽取件数').fill('2');
    await axe(page, 'supervision-review-new', report);
    await dlg.getByRole('button', { name: '抽取并开始' }).click();
    await page.locator('#pane-files .el-table__row').first().waitFor({ timeout: 15000 });
    report.seen.files = String(await page.locator('#pane-files .el-table__row').count());
    await axe(page, 'supervision-review-round', report);
    await shot(page, dir, 'supervisor-review-round');

    await page.locator('#pane-files .el-table__row').first().getByRole('link', { name: '评分' }).click();
    await page.getByRole('heading', { name: /^案卷评分/ }).waitFor({ timeout: 15000 });
    await page.locator('.beside .ct').waitFor({ timeout: 15000 });
    report.seen.beside = (await page.locator('.beside .ct').textContent()).trim();
    report.seen.besideEvents = String(await page.locator('.beside .events li').count());
    await page.getByLabel(/发现的问题/).fill('笔');
    await page.getByRole('button', { name: '保存评分' }).click();
    const err = page.locator('.el-form-item', { hasText: '发现的问题' }).locator('.el-form-item__error');
    await err.waitFor({ timeout: 10000 });
    report.seen.findingError = (await err.textContent()).trim();
    const inputs = page.locator('.form .el-input-number input');
    const n = await inputs.count();
    for (let i = 0; i < n; i++) {
      await inputs.nth(i).fill('100');
      await inputs.nth(i).press('Tab');
    }
    report.seen.items = String(n);
    await page.getByLabel(/发现的问题/).fill('询问笔录未逐页签字');
    report.seen.preview = (await page.locator('.total').textContent()).trim();
    await axe(page, 'supervision-review-score', report);
    await page.getByRole('button', { name: '保存评分' }).click();
    const ok = page.locator('.el-alert--success');
    await ok.waitFor({ timeout: 10000 });
    report.seen.saved = (await ok.textContent()).trim();
    await shot(page, dir, 'supervisor-review-score');

    await page.locator('.back').click();
    await page.getByRole('tab', { name: '评查报告' }).click();
    await page.locator('#pane-report .el-table__row').first().waitFor({ timeout: 10000 });
    report.seen.report = (await page.locator('#pane-report .el-table__row').first().textContent()).trim();
    await axe(page, 'supervision-review-report', report);
    await shot(page, dir, 'supervisor-review-report');

    await page.locator('.el-menu-item', { hasText: '评议考核' }).click();
    await page.getByRole('heading', { name: '评议考核' }).waitFor({ timeout: 15000 });
    await page.locator('.chart canvas').waitFor({ timeout: 15000 });
    report.seen.chart = 'drawn';
    report.seen.chartLabel = (await page.locator('.chart').getAttribute('aria-label')) || '';
    await page.getByRole('button', { name: '指标说明' }).click();
    report.seen.definitions = String(await page.locator('.el-card', { hasText: '指标说明' }).locator('.el-table__row').count());
    await axe(page, 'supervision-scorecard', report);
    await shot(page, dir, 'supervisor-scorecard');

    await page.locator('.el-menu-item', { hasText: '评价统计' }).click();
    await page.getByRole('heading', { name: '评价统计' }).waitFor({ timeout: 15000 });
    await page.locator('.el-table').first().waitFor();
    await axe(page, 'supervision-statistics', report);
    await shot(page, dir, 'supervisor-statistics');

    await page.locator('.el-menu-item', { hasText: '问题清单' }).click();
    await page.getByRole('heading', { name: '问题清单' }).waitFor({ timeout: 15000 });
    await page.locator('.el-table__row', { hasText: '询问笔录未逐页签字' }).waitFor({ timeout: 10000 });
    report.seen.problem = (await page.locator('.el-table__row', { hasText: '询问笔录未逐页签字' }).first().textContent()).trim();
    await axe(page, 'supervision-problems', report);
    await shot(page, dir, 'supervisor-problems');
  } catch (err) {
    report.errors.push('journey: ' + String(err && err.message || err));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
})();
