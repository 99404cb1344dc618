// The reviewer and the head at their desks: the reviewer opens the case waiting for legal
// review, tries to approve without an opinion and is told so at the field, then approves with
// one; the head opens the case, sees the benchmark's tier beside the fine (and the warning when
// the fine leaves it), records the collective discussion and decides; the timeline shows it.
// The officer then issues the decision and the credit-repair notice and serves them together.
// Usage: node desk-review.cjs BASE SHOTS CASE_ID REVIEWER HEAD OFFICER PASSWORD; prints the report.
const { launch, open, axe, shot, newReport, signIn, pickDay, chinaDayPlus } = require('./lib.cjs');

async function openCase(page, base, id) {
  await page.goto(base + '/console/cases/' + id);
  await page.getByRole('heading', { name: '办理' }).waitFor({ timeout: 15000 });
  await page.locator('.desk-actions .list, .desk-actions .empty').first().waitFor({ timeout: 15000 });
}

async function timelineText(page) {
  return (await page.locator('.el-timeline').innerText()).replace(/\s+/g, ' ');
}

(async () => {
  const [base, dir, id, reviewer, head, officer, password] = process.argv.slice(2);
  const report = newReport();
  const browser = await launch();
  try {
    // The reviewer.
    let { context, page } = await open(browser, base, report);
    await signIn(page, base, reviewer, password);
    await openCase(page, base, id);
    report.seen.reviewerActions = (await page.locator('.desk-actions .list').innerText()).replace(/\s+/g, ' ');
    await axe(page, 'desk-case-review', report);
    await shot(page, dir, 'desk-reviewer-case');
    await page.getByRole('button', { name: '法制审核通过', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: '确认法制审核通过' }).click();
    const fieldError = dialog.locator('.el-form-item__error').first();
    await fieldError.waitFor({ timeout: 15000 });
    report.seen.opinionError = (await fieldError.textContent()).trim();
    await axe(page, 'desk-review-dialog', report);
    await shot(page, dir, 'desk-review-opinion-missing');
    await dialog.getByLabel('审核意见').fill('事实清楚，证据确凿，适用依据正确，程序合法，同意');
    // A double click acts once: the Idempotency-Key of the form replays the first answer.
    await dialog.getByRole('button', { name: '确认法制审核通过' }).dblclick();
    await page.locator('.desk-actions .done').waitFor({ timeout: 15000 });
    report.seen.reviewDone = (await page.locator('.desk-actions .done').textContent()).trim();
    await page.waitForFunction(() => /审核通过/.test(document.querySelector('.el-timeline')?.textContent || ''), null, { timeout: 15000 });
    report.seen.reviewTimeline = await timelineText(page);
    await page.getByRole('button', { name: '法制审核退回', exact: true }).waitFor({ state: 'detached', timeout: 15000 });
    report.seen.reviewerAfter = (await page.locator('.desk-actions').innerText()).replace(/\s+/g, ' ');
    await shot(page, dir, 'desk-review-approved');
    await context.close();

    // The head.
    ({ context, page } = await open(browser, base, report));
    await signIn(page, base, head, password);
    await openCase(page, base, id);
    await page.getByRole('button', { name: '作出处罚决定', exact: true }).click();
    const d = page.getByRole('dialog');
    await d.locator('[data-test=tier]').waitFor({ timeout: 15000 });
    report.seen.tier = (await d.locator('[data-test=tier]').textContent()).trim();
    report.seen.benchNote = (await d.locator('.bench-note').textContent()).replace(/\s+/g, ' ').trim();
    const fine = d.getByLabel('罚款金额（元）');
    report.seen.fine = await fine.inputValue();
    await fine.fill('250000');
    await fine.press('Tab');
    await d.locator('.outside').waitFor({ timeout: 5000 });
    report.seen.outside = (await d.locator('.outside').textContent()).trim();
    await shot(page, dir, 'desk-decision-outside-range');
    await fine.fill('180000');
    await fine.press('Tab');
    await d.locator('.outside').waitFor({ state: 'detached', timeout: 5000 });
    await pickDay(d, '集体讨论日期', chinaDayPlus(0));
    const who = d.getByLabel('参加人员');
    await who.fill('局长、副局长、法制科长');
    await d.getByLabel('讨论结论').fill('经集体讨论，同意按从重阶次给予罚款');
    await axe(page, 'desk-decision-dialog', report);
    await shot(page, dir, 'desk-decision-form');
    await d.getByRole('button', { name: '确认作出处罚决定' }).click();
    await page.locator('.desk-actions .done').waitFor({ timeout: 15000 }).catch(async (err) => {
      report.seen.decisionRefused = (await d.innerText()).replace(/\s+/g, ' ').slice(0, 600);
      throw err;
    });
    await page.waitForFunction(() => /作出决定/.test(document.querySelector('.el-timeline')?.textContent || ''), null, { timeout: 15000 });
    report.seen.decisionTimeline = await timelineText(page);
    report.seen.decided = (await page.locator('.el-descriptions').innerText()).replace(/\s+/g, ' ');
    await axe(page, 'desk-case-decided', report);
    await shot(page, dir, 'desk-case-decided');
    await context.close();

    // The officer issues the two documents and serves them together (两书同达).
    ({ context, page } = await open(browser, base, report));
    await signIn(page, base, officer, password);
    await openCase(page, base, id);
    report.seen.serveBefore = (await page.locator('.desk-actions .list').innerText()).replace(/\s+/g, ' ');
    await page.getByRole('button', { name: '制发行政处罚决定书', exact: true }).click();
    let dlg = page.getByRole('dialog');
    await dlg.getByLabel('证据', { exact: true }).fill('现场检查笔录、询问笔录、照片');
    await dlg.getByLabel('履行方式和期限').fill('自收到本决定书之日起十五日内缴纳罚款');
    await axe(page, 'desk-document-dialog', report);
    await shot(page, dir, 'desk-document-form');
    await dlg.getByRole('button', { name: '确认制发行政处罚决定书' }).click();
    await page.getByRole('button', { name: '制发行政处罚决定书', exact: true }).waitFor({ state: 'detached', timeout: 15000 });
    await page.getByRole('button', { name: '制发信用修复告知书', exact: true }).click();
    dlg = page.getByRole('dialog');
    await dlg.getByRole('button', { name: '确认制发信用修复告知书' }).click();
    await page.getByRole('button', { name: '制发信用修复告知书', exact: true }).waitFor({ state: 'detached', timeout: 15000 });
    await page.getByRole('button', { name: '送达', exact: true }).click();
    dlg = page.getByRole('dialog');
    await dlg.getByRole('button', { name: '确认送达' }).click();
    await page.waitForFunction(() => /已送达/.test(document.querySelector('.el-timeline')?.textContent || ''), null, { timeout: 15000 });
    report.seen.documents = (await page.locator('.el-table').nth(0).innerText()).replace(/\s+/g, ' ');
    report.seen.servedTimeline = await timelineText(page);
    await axe(page, 'desk-case-served', report);
    await shot(page, dir, 'desk-case-served');
    await context.close();
  } catch (err) {
    report.errors.push('journey: ' + String(err && err.message || err));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
})();
