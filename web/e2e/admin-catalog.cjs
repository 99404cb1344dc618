// An agency's admin at work: edits a discretion benchmark's tiers in the table (an overlapping
// tier is told at its cell, then corrected and saved), issues a certificate and reads its days
// left, records a training and finds the shortfall against the 60-hour plan, answers a
// supervision order, and opens every other page of the admin (matters, review rules, rectification and orders, failed pushes,
// settings). Usage: node admin-catalog.cjs BASE SHOTS ADMIN PASSWORD; prints the report.
const { launch, open, axe, shot, newReport, signIn, pickDay, chinaDayPlus } = require('./lib.cjs');

async function menu(page, name) {
  await page.getByRole('menuitem', { name }).click();
  await page.getByRole('heading', { name, level: 1 }).waitFor({ timeout: 10000 });
}

(async () => {
  const [base, dir, admin, password] = process.argv.slice(2);
  const report = newReport();
  const browser = await launch();
  try {
    const { page } = await open(browser, base, report);
    await signIn(page, base, admin, password);

    // The benchmark: raise the heavier tier, let the lighter tier reach into the normal one.
    await menu(page, '裁量基准');
    await page.getByRole('combobox', { name: '第 1 行 档次' }).waitFor({ timeout: 10000 });
    await page.getByLabel('第 4 行 最高罚款').fill('250000');
    await page.getByLabel('第 2 行 最高罚款').fill('100000');
    await page.getByRole('button', { name: '保存基准' }).click();
    const cellErr = page.locator('.el-table__row').nth(2).locator('.cell-err');
    await cellErr.waitFor({ timeout: 5000 });
    report.seen.cellError = (await cellErr.textContent()).trim();
    report.seen.cellErrors = String(await page.locator('.cell-err').count());
    await axe(page, 'benchmarks-error', report);
    await shot(page, dir, 'admin-benchmark-overlap');
    await page.getByLabel('第 2 行 最高罚款').fill('80000');
    await page.getByRole('button', { name: '保存基准' }).click();
    await page.getByRole('status').filter({ hasText: '裁量基准已保存' }).waitFor({ timeout: 10000 });
    report.seen.saved = 'yes';
    report.seen.cellErrorsAfter = String(await page.locator('.cell-err').count());
    report.seen.heavierMax = await page.getByLabel('第 4 行 最高罚款').inputValue();
    await shot(page, dir, 'admin-benchmarks');

    // A certificate for the reviewer, expiring in 100 China days.
    await menu(page, '执法人员');
    const row = page.locator('.el-table__row', { hasText: '王法审' });
    await row.waitFor({ timeout: 10000 });
    await row.getByRole('button', { name: '发证' }).click();
    const certDialog = page.getByRole('dialog', { name: /发放执法证/ });
    await certDialog.getByLabel('执法证号').fill('42010000029999');
    await pickDay(certDialog, '发证日期', chinaDayPlus(-10));
    await pickDay(certDialog, '有效期至', chinaDayPlus(100));
    await certDialog.getByRole('button', { name: '保存' }).click();
    await row.locator('.days-left').waitFor({ timeout: 10000 });
    report.seen.daysLeft = (await row.locator('.days-left').textContent()).trim();
    report.seen.certificate = (await row.textContent()).includes('42010000029999') ? 'yes' : 'no';

    // Eight hours of training for the reviewer.
    await row.getByRole('button', { name: '培训' }).click();
    const tDialog = page.getByRole('dialog', { name: /培训学时/ });
    await tDialog.getByText(/计划 60 学时/).waitFor({ timeout: 10000 });
    await tDialog.getByLabel('内容').fill('行政处罚法专题培训');
    await tDialog.getByLabel('学时').fill('8');
    await pickDay(tDialog, '培训日期', chinaDayPlus(0));
    await tDialog.getByRole('button', { name: '登记' }).click();
    await tDialog.getByText('尚差 52 学时').waitFor({ timeout: 10000 });
    report.seen.trainingPlan = (await tDialog.locator('.plan').textContent()).replace(/\s+/g, ' ').trim();
    await axe(page, 'officer-training', report);
    await shot(page, dir, 'admin-officer-training');
    await tDialog.getByRole('button', { name: '关闭', exact: true }).click();
    await row.getByRole('button', { name: '角色' }).click();
    const rDialog = page.getByRole('dialog', { name: /调整角色/ });
    await rDialog.waitFor();
    await axe(page, 'officer-roles', report);
    await rDialog.getByRole('button', { name: '取消' }).click();
    await rDialog.waitFor({ state: 'hidden' });
    await axe(page, 'officers', report);
    await shot(page, dir, 'admin-officers');

    // The shortfall: the reviewer is 52 hours short; an officer without training 60.
    await menu(page, '培训学时');
    const short = page.locator('.shortfall .el-table__row', { hasText: '王法审' });
    await short.waitFor({ timeout: 10000 });
    report.seen.reviewerShort = (await short.locator('.short').textContent()).trim();
    report.seen.firstShort = (await page.locator('.shortfall .el-table__row').first().locator('.short').textContent()).trim();
    await axe(page, 'training', report);
    await shot(page, dir, 'admin-training-shortfall');

    // Every other page, and the dialog each opens.
    for (const [name, file, button, title] of [['执法事项', 'admin-matters', '新增事项', '新增事项'], ['法制审核目录', 'admin-review-rules', '新增规则', '新增审核规则'],
      ['整改与督办', 'admin-rectification', '登记自查问题', '登记自查问题'], ['推送失败', 'admin-push-failures'], ['单位设置', 'admin-settings']]) {
      await menu(page, name);
      await page.locator('.el-loading-mask').first().waitFor({ state: 'detached', timeout: 10000 }).catch(() => {});
      await axe(page, file, report);
      await shot(page, dir, file);
      if (button) {
        await page.getByRole('button', { name: button }).click();
        const d = page.getByRole('dialog', { name: title });
        await d.waitFor();
        await axe(page, file + '-dialog', report);
        await shot(page, dir, file + '-dialog');
        await d.getByRole('button', { name: '取消' }).click();
        await d.waitFor({ state: 'hidden' });
      }
    }
    // The supervisory body's order, answered.
    await menu(page, '整改与督办');
    await page.getByRole('tab', { name: /督办/ }).click();
    const orderRow = page.locator('.el-table__row', { hasText: '久拖未决' });
    await orderRow.waitFor({ timeout: 10000 });
    await orderRow.getByRole('button', { name: '答复' }).click();
    const aDialog = page.getByRole('dialog', { name: '答复督办' });
    await aDialog.getByLabel('答复内容').fill('已查明原因，将于本周内作出决定。');
    await axe(page, 'order-answer', report);
    await aDialog.getByRole('button', { name: '提交答复' }).click();
    await orderRow.getByText('已答复').waitFor({ timeout: 10000 });
    report.seen.orderRow = (await orderRow.textContent()).replace(/\s+/g, ' ');
    await shot(page, dir, 'admin-orders');

    await menu(page, '单位设置');
    report.seen.settingsCourt = await page.getByLabel('管辖人民法院').inputValue();
  } catch (err) {
    report.errors.push('journey: ' + String(err && err.message || err));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
})();
