// The journey that crosses people. The supervisor keeps the 监督看板 open. The head finds the
// officer's case on the workbench's to-do list and decides it in the console; the officer issues
// the decision and the credit-repair notice and serves them; the enterprise, on its phone,
// downloads the decision in the portal and rates its inspection one star; the supervisor's
// dashboard counts the bad rating without a reload.
// Usage: node journey.cjs BASE SHOTS CASE_NUMBER HEAD OFFICER ENTERPRISE SUPERVISOR PASSWORD
const fs = require('fs');
const path = require('path');
const { launch, open, axe, shot, newReport, signIn, pickDay, chinaDayPlus } = require('./lib.cjs');

(async () => {
  const [base, dir, caseNumber, head, officer, enterprise, supervisor, password] = process.argv.slice(2);
  const report = newReport();
  const browser = await launch();
  const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim();
  try {
    // The supervisor's dashboard, open from the start.
    const sup = await open(browser, base, report);
    await signIn(sup.page, base, supervisor, password);
    await sup.page.locator('.el-menu-item', { hasText: '监督看板' }).click();
    await sup.page.getByRole('heading', { name: '监督看板' }).waitFor({ timeout: 15000 });
    const ratings = sup.page.locator('[data-group="ratings"] .el-tag').first();
    await ratings.waitFor({ timeout: 15000 });
    report.seen.ratingsBefore = (await ratings.textContent()).trim();
    let supNavigations = 0;
    sup.page.on('framenavigated', () => supNavigations++);

    // The head: the case waits on the to-do list; the decision is made in the console.
    const hd = await open(browser, base, report);
    await signIn(hd.page, base, head, password);
    const item = hd.page.getByRole('link', { name: new RegExp(caseNumber) }).first();
    await item.waitFor({ timeout: 15000 });
    report.seen.todo = await text(hd.page.locator('.group', { has: item }));
    await shot(hd.page, dir, 'journey-head-todo');
    await item.click();
    await hd.page.getByRole('heading', { name: '办理' }).waitFor({ timeout: 15000 });
    await hd.page.getByRole('button', { name: '作出处罚决定', exact: true }).click();
    const d = hd.page.getByRole('dialog');
    await d.locator('[data-test=tier]').waitFor({ timeout: 15000 });
    report.seen.tier = (await d.locator('[data-test=tier]').textContent()).trim();
    if (await d.getByLabel('集体讨论日期').count()) {
      await pickDay(d, '集体讨论日期', chinaDayPlus(0));
      await d.getByLabel('参加人员').fill('局长、副局长、法制科长');
      await d.getByLabel('讨论结论').fill('经集体讨论，同意给予罚款');
    }
    await shot(hd.page, dir, 'journey-head-decision');
    await d.getByRole('button', { name: '确认作出处罚决定' }).click();
    await hd.page.waitForFunction(() => /作出决定/.test(document.querySelector('.el-timeline')?.textContent || ''), null, { timeout: 15000 });
    report.seen.decided = await text(hd.page.locator('.el-descriptions'));
    await shot(hd.page, dir, 'journey-head-decided');
    await hd.context.close();

    // The officer issues both documents and serves them together (两书同达).
    const of = await open(browser, base, report);
    await signIn(of.page, base, officer, password);
    await of.page.getByRole('menuitem', { name: '案件', exact: true }).click();
    await of.page.getByRole('link', { name: caseNumber }).first().click();
    await of.page.getByRole('heading', { name: '办理' }).waitFor({ timeout: 15000 });
    await of.page.getByRole('button', { name: '制发行政处罚决定书', exact: true }).click();
    let dlg = of.page.getByRole('dialog');
    await dlg.getByLabel('证据', { exact: true }).fill('现场检查笔录、询问笔录、照片');
    await dlg.getByLabel('履行方式和期限').fill('自收到本决定书之日起十五日内缴纳罚款');
    await dlg.getByRole('button', { name: '确认制发行政处罚决定书' }).click();
    await of.page.getByRole('button', { name: '制发行政处罚决定书', exact: true }).waitFor({ state: 'detached', timeout: 15000 });
    await of.page.getByRole('button', { name: '制发信用修复告知书', exact: true }).click();
    dlg = of.page.getByRole('dialog');
    await dlg.getByRole('button', { name: '确认制发信用修复告知书' }).click();
    await of.page.getByRole('button', { name: '制发信用修复告知书', exact: true }).waitFor({ state: 'detached', timeout: 15000 });
    await of.page.getByRole('button', { name: '送达', exact: true }).click();
    dlg = of.page.getByRole('dialog');
    await dlg.getByRole('button', { name: '确认送达' }).click();
    await of.page.waitForFunction(() => /已送达/.test(document.querySelector('.el-timeline')?.textContent || ''), null, { timeout: 15000 });
    await shot(of.page, dir, 'journey-officer-served');
    await of.context.close();

    // The enterprise on its phone: the decision downloaded, the inspection rated one star.
    const en = await open(browser, base, report, 'phone');
    await signIn(en.page, base, enterprise, password);
    const go = async (label) => {
      await en.page.getByRole('button', { name: '菜单' }).click();
      await en.page.getByRole('menuitem', { name: label }).click();
      await en.page.getByRole('heading', { name: label, level: 1 }).waitFor({ timeout: 15000 });
    };
    await go('本企业案件');
    const card = en.page.locator('.case', { hasText: caseNumber });
    await card.waitFor({ timeout: 15000 });
    const [dl] = await Promise.all([en.page.waitForEvent('download'), card.getByRole('button', { name: '下载处罚决定书' }).click()]);
    const file = path.join(dir, 'journey-decision.html');
    await dl.saveAs(file);
    const html = fs.readFileSync(file, 'utf8');
    report.seen.decision = html.includes('行政处罚决定书') && html.includes(caseNumber.slice(0, 4)) ? 'yes' : 'no';
    await shot(en.page, dir, 'journey-enterprise-case');
    await go('检查与评价');
    const form = en.page.locator('form.rate').first();
    await form.waitFor({ timeout: 15000 });
    await form.locator('.el-rate__item').first().click();
    await form.getByLabel('评价内容（选填）').fill('检查人员态度生硬');
    await form.getByRole('button', { name: '提交评价' }).click();
    await en.page.locator('.rated.ok').first().waitFor({ timeout: 15000 });
    report.seen.rated = await text(en.page.locator('.rated.ok').first());
    await shot(en.page, dir, 'journey-enterprise-rated');

    // The supervisor's dashboard, never reloaded, counts the bad rating.
    await sup.page.waitForFunction((b) => {
      const t = document.querySelector('[data-group="ratings"] .el-tag');
      return t && t.textContent.trim() !== b;
    }, report.seen.ratingsBefore, { timeout: 30000 });
    report.seen.ratingsAfter = (await ratings.textContent()).trim();
    report.seen.supNavigations = String(supNavigations);
    await axe(sup.page, 'journey-dashboard', report);
    await shot(sup.page, dir, 'journey-supervisor-dashboard');
  } catch (err) {
    report.errors.push('journey: ' + String(err && err.message || err));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
})();
