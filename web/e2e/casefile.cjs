// A supervisor at a desk: signs in, opens 案件, finds a covered agency's case by a fragment of the
// party's name, opens it, and reads its process, the audit's verdict, its documents and its
// evidence with the photo's thumbnail; plays the recording (ranges through a play link) and reads
// its custody log; downloads the case file (电子卷宗).
// Usage: node casefile.cjs BASE SHOTS USERNAME PASSWORD PARTY_FRAGMENT; prints the report.
const fs = require('fs');
const path = require('path');
const { launch, open, axe, shot, newReport, signIn } = require('./lib.cjs');

(async () => {
  const [base, dir, username, password, party] = process.argv.slice(2);
  const report = newReport();
  const browser = await launch();
  try {
    const { page } = await open(browser, base, report);
    await signIn(page, base, username, password);
    await page.getByRole('menuitem', { name: '案件', exact: true }).click();
    await page.getByRole('heading', { name: '案件' }).waitFor();
    await page.locator('.el-table__row').first().waitFor({ timeout: 15000 });
    report.seen.rowsBefore = String(await page.locator('.el-table__row').count());
    await page.getByLabel('当事人').fill(party);
    await page.getByRole('button', { name: '查询' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.el-table__row').length === 1, null, { timeout: 15000 });
    report.seen.rowsAfter = String(await page.locator('.el-table__row').count());
    await axe(page, 'cases', report);
    await shot(page, dir, 'supervisor-cases');
    await page.locator('.el-table__row a').first().click();
    await page.getByRole('heading', { name: '办案过程' }).waitFor({ timeout: 15000 });
    await page.locator('.el-result__title').waitFor();
    report.seen.audit = (await page.locator('.el-result__title').textContent()).trim();
    report.seen.title = (await page.locator('h1').textContent()).trim();
    await page.waitForFunction(() => { const i = document.querySelector('img.thumb'); return i && i.naturalWidth > 0; }, null, { timeout: 15000 });
    report.seen.thumb = 'loaded';
    report.seen.timeline = String(await page.locator('.el-timeline-item').count());
    await axe(page, 'case', report);
    await shot(page, dir, 'supervisor-case');

    // The recording plays in the page: the <video> asks for ranges through a play link.
    const ranged = page.waitForResponse((r) => /\/v1\/evidence\/[^/]+\/content\?link=/.test(r.url()) && r.status() === 206, { timeout: 15000 });
    await page.getByRole('button', { name: '播放' }).first().click();
    await page.locator('video.media').waitFor();
    report.seen.played = String((await ranged).status());
    await shot(page, dir, 'supervisor-video');
    await page.keyboard.press('Escape');
    await page.locator('video.media').waitFor({ state: 'detached' });
    // Its custody log names the supervisor's read.
    const videoRow = page.locator('.el-table__row', { has: page.getByRole('button', { name: '播放' }) });
    await videoRow.getByRole('button', { name: '访问记录' }).click();
    const dialog = page.getByRole('dialog', { name: '证据访问记录（保管链）' });
    await dialog.locator('.el-table__row').first().waitFor({ timeout: 10000 });
    report.seen.custody = (await dialog.locator('.el-table__row').first().textContent()).trim();
    await axe(page, 'custody', report);
    await shot(page, dir, 'supervisor-custody');
    await page.keyboard.press('Escape');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载电子卷宗' }).click()]);
    const file = path.join(dir, 'downloaded-case-file.zip');
    await dl.saveAs(file);
    report.seen.zipName = dl.suggestedFilename();
    report.seen.zipPath = file;
    report.seen.zipSize = String(fs.statSync(file).size);
  } catch (err) {
    report.errors.push('journey: ' + String(err && err.message || err));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
})();
